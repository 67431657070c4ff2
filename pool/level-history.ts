// The pool's level over time, per (type, OS), for the dashboard, from spare_volume_events: the level before
// the window (sums of the events before it), then the events inside it walked in order, sampled at each point.
import type { PrismaClient } from '../prisma/client';

export interface LevelPoint {
  at: string;
  available: number;
  creating: number;
  claimed: number;
}

export interface KindHistory {
  volumeType: string;
  osName: string;
  points: LevelPoint[];
}

interface EventRow {
  volume_type: string;
  os_name: string;
  at: Date;
  da: number;
  dc: number;
  dk: number;
}

/** +1/-1 per level an event moves a spare into/out of; null fields (insert, delete) count as "not in". */
const DELTAS = `
  (CASE WHEN new_status = 'available' AND new_allocated IS FALSE THEN 1 ELSE 0 END)
    - (CASE WHEN old_status = 'available' AND old_allocated IS FALSE THEN 1 ELSE 0 END) AS da,
  (CASE WHEN new_status = 'creating' AND new_allocated IS FALSE THEN 1 ELSE 0 END)
    - (CASE WHEN old_status = 'creating' AND old_allocated IS FALSE THEN 1 ELSE 0 END) AS dc,
  (CASE WHEN new_allocated IS TRUE THEN 1 ELSE 0 END) - (CASE WHEN old_allocated IS TRUE THEN 1 ELSE 0 END) AS dk`;

export async function poolHistory(prisma: PrismaClient, from: Date, to: Date, points: number): Promise<KindHistory[]> {
  const [before, inside] = await Promise.all([
    prisma.$queryRawUnsafe<EventRow[]>(
      `SELECT volume_type, os_name, sum(da)::int AS da, sum(dc)::int AS dc, sum(dk)::int AS dk
       FROM (SELECT volume_type, os_name, ${DELTAS} FROM spare_volume_events WHERE at < $1::timestamp) e
       GROUP BY 1, 2`,
      from.toISOString(),
    ),
    prisma.$queryRawUnsafe<EventRow[]>(
      `SELECT volume_type, os_name, at, ${DELTAS} FROM spare_volume_events
       WHERE at >= $1::timestamp AND at <= $2::timestamp ORDER BY at, id`,
      from.toISOString(),
      to.toISOString(),
    ),
  ]);
  const key = (r: { volume_type: string; os_name: string }) => `${r.volume_type}\u0000${r.os_name}`;
  const kinds = new Map<string, { volumeType: string; osName: string; a: number; c: number; k: number; i: number }>();
  for (const r of [...before, ...inside]) {
    if (!kinds.has(key(r))) kinds.set(key(r), { volumeType: r.volume_type, osName: r.os_name, a: 0, c: 0, k: 0, i: 0 });
  }
  for (const r of before) Object.assign(kinds.get(key(r))!, { a: Number(r.da), c: Number(r.dc), k: Number(r.dk) });
  const byKind = new Map<string, EventRow[]>();
  for (const r of inside) byKind.set(key(r), [...(byKind.get(key(r)) ?? []), r]);

  const step = (to.getTime() - from.getTime()) / Math.max(1, points - 1);
  const times = Array.from({ length: points }, (_, i) => new Date(from.getTime() + i * step));
  return [...kinds.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, s]) => {
      const events = byKind.get(k) ?? [];
      const series = times.map((t) => {
        // Timestamps are UTC without a zone (Prisma's); the driver reads them as UTC Dates.
        while (s.i < events.length && events[s.i]!.at.getTime() <= t.getTime()) {
          const e = events[s.i++]!;
          s.a += Number(e.da);
          s.c += Number(e.dc);
          s.k += Number(e.dk);
        }
        return { at: t.toISOString(), available: s.a, creating: s.c, claimed: s.k };
      });
      return { volumeType: s.volumeType, osName: s.osName, points: series };
    });
}
