#!/usr/bin/env node
// `sandbox`: the command users type. Thin: parse, call src/, print. One file per verb in commands/.
import { Command } from 'commander';
import { packageVersion } from '../src/version.js';
import { registerCompletion } from './commands/completion.js';
import { registerDown } from './commands/down.js';
import { registerExec } from './commands/exec.js';
import { registerExportLogs } from './commands/export-logs.js';
import { registerImage } from './commands/image.js';
import { registerInfo } from './commands/info.js';
import { registerInit } from './commands/init.js';
import { registerLogs } from './commands/logs.js';
import { registerLs } from './commands/ls.js';
import { registerNodeControl } from './commands/node-control.js';
import { registerPackage } from './commands/package.js';
import { registerStatus } from './commands/status.js';
import { registerUp } from './commands/up.js';
import { registerVersion } from './commands/version.js';
import { EXIT, message } from './output.js';

const program = new Command('sandbox')
  .description('A real local Mesos cluster: ZooKeeper, masters, agents, Marathon and Chronos')
  .version(packageVersion(), '--version')
  .enablePositionalOptions()
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));

registerUp(program);
registerDown(program);
registerLs(program);
registerStatus(program);
registerInfo(program);
registerLogs(program);
registerExportLogs(program);
registerNodeControl(program);
registerExec(program);
registerInit(program);
registerImage(program);
registerPackage(program);
registerCompletion(program);
registerVersion(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  message(`sandbox: ${(err as Error).message}`);
  process.exit(EXIT.error);
});
