/** `kinfire bifurcation`: being written (issue 3); registered so that main.ts needs no further edits. */
import type { Command } from 'commander';

export function registerBifurcation(program: Command): void {
  program.command('bifurcation').description('(not yet available)').action(() => {
    throw new Error('kinfire bifurcation is not implemented yet');
  });
}
