/** Entry of the `sluice` command. Returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  await Promise.resolve();
  process.stdout.write(`sluice ${argv.join(' ')}\n`);
  return 0;
}
