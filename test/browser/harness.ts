/**
 * The headless-Chromium harness of the browser tests. It lives in src/node/headlessChromium.ts, shared
 * with the browser benchmark (`npm run bench:browser`); see there for the page protocol.
 */
export * from '../../src/node/headlessChromium';
