/** `kinfire study`: being written (issue 3); registered so that main.ts needs no further edits. */
import type { Command } from 'commander';

export function registerStudy(program: Command): void {
  program.command('study').description('(not yet available)').action(() => {
    throw new Error('kinfire study is not implemented yet');
  });
}
