import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

const BIN_DIRS = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'];

/** Where initdb and pg_ctl live, or null where no PostgreSQL server is installed. */
function serverBin(): string | null {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(`${dir}/initdb`)) return dir;
  } catch {
    // no pg_config: look in the Debian locations
  }
  return BIN_DIRS.find((dir) => existsSync(`${dir}/initdb`)) ?? null;
}

/** initdb and the server refuse root: as root they run as the `postgres` user. */
function asServerUser(command: string, args: readonly string[]): void {
  const [file, argv] =
    process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A PostgreSQL cluster of the bench's own on another port, with `wal_level=logical` (the peer reads the
 * write-ahead log through replication slots, which the shared server may not allow): created by `start`,
 * stopped and deleted by `remove`, whatever happened in between. A cluster left by an interrupted run on
 * the same port is removed first.
 */
export class ThrowawayCluster {
  private constructor(
    readonly port: number,
    private readonly bin: string,
    private readonly dataDir: string,
  ) {}

  /** Null (with the reason) where no PostgreSQL server binaries are installed. */
  static start(port: number): ThrowawayCluster | { readonly unavailable: string } {
    const bin = serverBin();
    if (!bin) return { unavailable: 'no PostgreSQL server binaries (initdb) found' };
    const cluster = new ThrowawayCluster(port, bin, `/tmp/search-sync-bench-pg-${port}`);
    cluster.remove();
    asServerUser(`${bin}/initdb`, ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres']);
    const options = [
      `-p ${port}`,
      '-k /tmp',
      '-c listen_addresses=127.0.0.1',
      '-c wal_level=logical',
      '-c max_replication_slots=16',
      '-c max_wal_senders=16',
    ].join(' ');
    asServerUser(`${bin}/pg_ctl`, [
      '-D',
      cluster.dataDir,
      '-o',
      options,
      '-l',
      `${cluster.dataDir}.log`,
      '-w',
      'start',
    ]);
    return cluster;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Stops the server (fast: connections are cut) and deletes its files; safe to call twice. */
  remove(): void {
    if (existsSync(`${this.dataDir}/postmaster.pid`)) {
      try {
        asServerUser(`${this.bin}/pg_ctl`, ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
      } catch {
        // already stopped: the files go anyway
      }
    }
    rmSync(this.dataDir, { recursive: true, force: true });
    rmSync(`${this.dataDir}.log`, { force: true });
  }
}
