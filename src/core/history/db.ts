import Database from 'better-sqlite3'
import {mkdirSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {ExitCode, FlareError} from '../errors.js'
import {MIGRATIONS} from './migrations.js'

export type HistoryDatabase = Database.Database

/** `$FLARE_HISTORY_DB`, else `$XDG_DATA_HOME/flare/history.db` (~/.local/share/flare/history.db). */
export function defaultHistoryPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLARE_HISTORY_DB) return env.FLARE_HISTORY_DB
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share')
  return join(base, 'flare', 'history.db')
}

/** SQLite's error codes as a user reads them: what is wrong with the file and what to do. */
export function historyError(path: string, error: unknown): FlareError {
  if (error instanceof FlareError) return error
  const code = (error as {code?: string}).code ?? ''
  const message = error instanceof Error ? error.message : String(error)
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new FlareError(`history database ${path} is damaged or is not a Flare database (${message})`, {exitCode: ExitCode.badInput, hint: `move it aside (mv ${path} ${path}.bad) and Flare starts a new one, or pass another --db`, cause: error})
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new FlareError(`history database ${path} is locked by another process`, {exitCode: ExitCode.dependency, hint: 'wait for the other flare process to finish, or pass another --db', cause: error})
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code === 'EACCES') {
    return new FlareError(`cannot open history database ${path} for writing (${message})`, {exitCode: ExitCode.badInput, hint: 'check the folder exists and is writable, or pass another --db', cause: error})
  }
  return new FlareError(`history database ${path}: ${message}`, {exitCode: ExitCode.failure, cause: error})
}

/** Opens (creating when absent) and migrates the database; every failure is a FlareError naming the file. */
export function openHistoryDatabase(path: string, options: {busyTimeoutMs?: number} = {}): HistoryDatabase {
  let db: HistoryDatabase | undefined
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), {recursive: true})
    db = new Database(path, {timeout: options.busyTimeoutMs ?? 2000})
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    migrate(db, path)
    return db
  } catch (error) {
    db?.close()
    throw historyError(path, error)
  }
}

/** Applies the migrations past `user_version`, each in its own transaction with its version bump. */
function migrate(db: HistoryDatabase, path: string): void {
  const current = db.pragma('user_version', {simple: true}) as number
  if (current > MIGRATIONS.length) {
    throw new FlareError(`history database ${path} was written by a newer Flare (schema ${current}, this Flare knows ${MIGRATIONS.length})`, {exitCode: ExitCode.badInput, hint: 'upgrade flare, or pass another --db'})
  }
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version - 1]!)
      db.pragma(`user_version = ${version}`)
    })()
  }
}
