/**
 * A worker of live mode for nnlif: the steady rates of a network of K populations (networkSteady.ts,
 * nnlifNetworkSteadyRates: the scan in ln N and Newton, without the stability runs). They take seconds
 * (2.4 s in Node for K = 2 at the default 8 points per decade), too long for the page's thread.
 * Message in: {id, network, box}; out: {id, rates} or {id, error}.
 */
import { type NnlifNetworkParams, nnlifNetworkSteadyRates } from '../../src/models/nnlif/networkSteady';

export interface NetworkSteadyRequest {
  id: number;
  network: NnlifNetworkParams;
  box: [number, number];
}

export type NetworkSteadyReply = { id: number; rates: number[][] } | { id: number; error: string };

self.onmessage = (event: MessageEvent<NetworkSteadyRequest>) => {
  const { id, network, box } = event.data;
  let reply: NetworkSteadyReply;
  try {
    reply = { id, rates: nnlifNetworkSteadyRates(network, { box }) };
  } catch (err) {
    reply = { id, error: err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(reply);
};
