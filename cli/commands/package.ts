// `sandbox package list|describe|install|uninstall`: Universe-style packages (fixtures/packages and
// $SANDBOX_PACKAGE_PATH) rendered with options into Marathon apps, groups or Chronos jobs.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { clusterInfo, type ClusterInfo } from '../../src/cluster/lifecycle.js';
import { describeOptions } from '../../src/packages/json-schema.js';
import { PackageError, TEMPLATE_FILES, type SandboxPackage } from '../../src/packages/package.js';
import { installPackage, sandboxContext, uninstallPackage } from '../../src/packages/install.js';
import { renderPackage, resolveOptions } from '../../src/packages/render.js';
import { findPackage, listPackages } from '../../src/packages/repository.js';
import { message, printJson, printTable } from '../output.js';
import { action, clusterDriver, nameOption } from './common.js';

const KIND_TEXT = {
  'marathon-app': 'Marathon app',
  'marathon-group': 'Marathon group',
  'chronos-job': 'Chronos job',
} as const;

function readOptionsFile(path: string | undefined): unknown {
  if (path === undefined) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PackageError(`cannot read the options file: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new PackageError(`the options file ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

async function infoOf(opts: { name?: string }): Promise<ClusterInfo> {
  const { name, driver } = await clusterDriver(opts);
  return clusterInfo(driver, name);
}

function show(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value);
}

function printDescription(pkg: SandboxPackage): void {
  const m = pkg.metadata;
  const artifacts = Object.entries(pkg.resource.assets?.uris ?? {});
  const lines = [
    `${m.name} ${m.version}`,
    `  ${m.description}`,
    `  maintainer  ${m.maintainer}`,
    `  tags        ${m.tags.join(', ')}`,
    ...(m.website ? [`  website     ${m.website}`] : []),
    `  template    ${pkg.template.file} (${pkg.template.kind === 'chronos' ? 'a Chronos job' : 'Marathon'})`,
    `  directory   ${pkg.dir}`,
    ...artifacts.map(([k, v], i) => `  ${i === 0 ? 'artifacts ' : '          '}  ${k}: ${v}`),
    ...(m.preInstallNotes ? ['', `Before installing: ${m.preInstallNotes}`] : []),
    '',
    'Options (install --options FILE.json, a JSON object of these dotted paths as nested objects):',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  printTable(
    ['OPTION', 'TYPE', 'DEFAULT', 'DESCRIPTION'],
    describeOptions(pkg.options).map((o) => [
      o.path,
      o.type,
      show(o.default),
      `${o.description ?? ''}${o.required ? ' (required)' : ''}`,
    ]),
  );
}

export function registerPackage(program: Command): void {
  const pkg = program
    .command('package')
    .description(
      `Universe-style packages: ${Object.values(TEMPLATE_FILES).join(' or ')} rendered with options`,
    );

  pkg
    .command('list')
    .description('the packages: name, version, description')
    .option('--json', 'machine-readable output')
    .action(
      action(async (opts: { json?: boolean }) => {
        const { packages, broken } = listPackages();
        for (const b of broken) message(`sandbox: skipping a broken package: ${b.error}`);
        if (opts.json) return printJson(packages.map((p) => p.metadata));
        printTable(
          ['NAME', 'VERSION', 'DESCRIPTION'],
          packages.map((p) => [p.metadata.name, p.metadata.version, p.metadata.description]),
        );
      }),
    );

  nameOption(pkg.command('describe').argument('<package>'))
    .description('a package: its metadata and options with their defaults')
    .option(
      '--json',
      'machine-readable output: package.json, config.json, resource.json and the default options',
    )
    .option('--render', "print the app, group or job it installs on the cluster (with --options' values)")
    .option('--options <file>', 'a JSON file of options (with --render)')
    .action(
      action(
        async (name: string, opts: { name?: string; json?: boolean; render?: boolean; options?: string }) => {
          const found = findPackage(name);
          if (opts.render) {
            const info = await infoOf(opts);
            const options = resolveOptions(found, readOptionsFile(opts.options));
            return printJson(renderPackage(found, options, sandboxContext(info, found)).definition);
          }
          if (opts.json) {
            return printJson({
              package: found.metadata,
              config: found.options,
              resource: found.resource,
              defaults: resolveOptions(found, {}),
              template: found.template.file,
            });
          }
          printDescription(found);
        },
      ),
    );

  nameOption(pkg.command('install').argument('<package>'))
    .description("render a package with its options and submit it to the cluster's Marathon or Chronos")
    .option('--options <file>', 'a JSON file of options, merged over the defaults of config.json')
    .option('--json', 'print what was submitted as JSON: {package, version, kind, id, definition}')
    .action(
      action(async (name: string, opts: { name?: string; options?: string; json?: boolean }) => {
        const found = findPackage(name);
        const userOptions = readOptionsFile(opts.options);
        const { name: cluster, driver } = await clusterDriver(opts);
        const info = await clusterInfo(driver, cluster);
        if (found.metadata.preInstallNotes && !opts.json) message(found.metadata.preInstallNotes);
        const { rendered } = await installPackage(found, info, {
          userOptions,
          shareFile: (file) => driver.shareFile(cluster, file),
        });
        const { version } = found.metadata;
        if (opts.json) {
          return printJson({
            package: name,
            version,
            kind: rendered.kind,
            id: rendered.id,
            definition: rendered.definition,
          });
        }
        const notes = found.metadata.postInstallNotes ? `\n${found.metadata.postInstallNotes}` : '';
        process.stdout.write(
          `Installed ${name} ${version} as ${KIND_TEXT[rendered.kind]} ${rendered.id}${notes}\n`,
        );
      }),
    );

  nameOption(pkg.command('uninstall').argument('<package>'))
    .description(
      'remove the apps, groups and jobs a package installed (found by their MESOS_SANDBOX_PACKAGE_NAME)',
    )
    .option('--app-id <id>', 'only this app, group or job, when the package is installed more than once')
    .action(
      action(async (name: string, opts: { name?: string; appId?: string }) => {
        const info = await infoOf(opts);
        const removed = await uninstallPackage(
          name,
          info,
          opts.appId === undefined ? {} : { id: opts.appId },
        );
        for (const item of removed)
          process.stdout.write(`Uninstalled ${name}: ${KIND_TEXT[item.kind]} ${item.id}\n`);
        let notes: string | undefined;
        try {
          notes = findPackage(name).metadata.postUninstallNotes;
        } catch {
          // The package's definition is gone: what it installed could still be found and removed.
        }
        if (notes) process.stdout.write(`${notes}\n`);
      }),
    );
}
