// Nova's cell and host mappings, written straight into its databases: what `nova-manage cell_v2
// map_cell0`, `create_cell` and `discover_hosts` write, without three Python start-ups (each 4–12 s of
// CPU on a loaded machine, on the bring-up's critical path). The rows are the ones those commands make.
import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** nova's fixed uuid for cell0 (objects.CellMapping.CELL0_UUID). */
const CELL0_UUID = '00000000-0000-0000-0000-000000000000';

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** cell0 (failed builds' instances; no message queue) and cell1 (the compute host's), in the API database. */
export async function mapCells(
  apiDatabase: string,
  cells: { cell0Url: string; cell1Url: string; transportUrl: string },
): Promise<void> {
  await withClient(apiDatabase, (client) =>
    client.query(
      `INSERT INTO cell_mappings (created_at, uuid, name, transport_url, database_connection, disabled)
       VALUES (now(), $1, 'cell0', 'none:///', $2, false), (now(), $3, 'cell1', $4, $5, false)`,
      [CELL0_UUID, cells.cell0Url, randomUUID(), cells.transportUrl, cells.cell1Url],
    ),
  );
}

/** Maps a compute host that has registered its node into cell1 (discover_hosts for one host). */
export async function mapHost(apiDatabase: string, cellDatabase: string, host: string): Promise<void> {
  await withClient(apiDatabase, (client) =>
    client.query(
      `INSERT INTO host_mappings (created_at, cell_id, host)
       SELECT now(), id, $1 FROM cell_mappings WHERE name = 'cell1'`,
      [host],
    ),
  );
  await withClient(cellDatabase, (client) =>
    client.query('UPDATE compute_nodes SET mapped = 1 WHERE host = $1', [host]),
  );
}
