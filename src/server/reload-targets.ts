/**
 * The files a running slotgate re-reads (see FileReloader): the client-facing TLS certificate,
 * key and CA, and the users file with requirepass's file. Backend credentials and cluster TLS
 * files are read at start only.
 */
import { readFileSync } from 'node:fs'
import type { SecureContextOptions } from 'node:tls'
import type { Logger } from 'pino'
import type { SlotgateConfig } from '../config/schema.js'
import { readSecretFile } from '../config/secret-files.js'
import type { SlotgateMetrics } from '../metrics/metrics.js'
import type { Authenticator } from '../access/authenticator.js'
import { FileReloader, type ReloadTarget } from './file-reloader.js'

type TlsFilesConfig = Pick<SlotgateConfig, 'tlsCertFile' | 'tlsKeyFile' | 'tlsCaFile'>

/** The client-facing certificate, key and CA as they are on disk now; null without TLS. */
export function clientTlsFiles (config: TlsFilesConfig): Pick<SecureContextOptions, 'cert' | 'key' | 'ca'> | null {
  if (config.tlsCertFile === '' || config.tlsKeyFile === '') return null
  return {
    cert: readFileSync(config.tlsCertFile),
    key: readFileSync(config.tlsKeyFile),
    ca: config.tlsCaFile !== '' ? readFileSync(config.tlsCaFile) : undefined
  }
}

/** requirepass as in force now: read from requirepassPath when one is named. */
export function currentRequirepass (config: Pick<SlotgateConfig, 'requirepass' | 'requirepassPath'>): string {
  return config.requirepassPath !== '' ? readSecretFile(config.requirepassPath) : config.requirepass
}

/** What the targets act on. */
export interface ReloadSubjects {
  server: { reloadTls (files: Pick<SecureContextOptions, 'cert' | 'key' | 'ca'>): void }
  auth: Authenticator
}

/** The reload targets `config` calls for (none when it names no such file). */
export function reloadTargets (config: SlotgateConfig, subjects: ReloadSubjects): ReloadTarget[] {
  const targets: ReloadTarget[] = []
  if (config.tlsCertFile !== '' && config.tlsKeyFile !== '') {
    targets.push({
      name: 'tls',
      paths: [config.tlsCertFile, config.tlsKeyFile, config.tlsCaFile].filter(p => p !== ''),
      apply () {
        const files = clientTlsFiles(config)
        if (files !== null) subjects.server.reloadTls(files)
      }
    })
  }
  if (config.usersFile !== '' || config.requirepassPath !== '') {
    targets.push({
      name: 'users',
      paths: [config.usersFile, config.requirepassPath].filter(p => p !== ''),
      apply () {
        subjects.auth.reload(currentRequirepass(config), config.usersFile)
      }
    })
  }
  return targets
}

/**
 * Starts checking the files `config` names (every fileReloadIntervalMs); each reload is logged
 * and counted. The caller stops it, and calls `check(true)` on SIGHUP.
 */
export function startFileReloader (config: SlotgateConfig, subjects: ReloadSubjects, logger: Logger, metrics: SlotgateMetrics | null): FileReloader {
  const reloader = new FileReloader(reloadTargets(config, subjects), {
    intervalMs: config.fileReloadIntervalMs,
    onReload (report) {
      metrics?.fileReloadDone(report.name, report.outcome)
      if (report.outcome === 'failed') logger.warn({ file: report.name, err: report.error }, 'file reload failed; the previous files stay in force')
      else logger.info({ file: report.name }, 'file reloaded')
    }
  })
  reloader.start()
  return reloader
}
