import type pg from 'pg'
import type { HubSeed, CourierSeed } from '../data/network.ts'

export type Hub = HubSeed
export type Courier = CourierSeed & { active: boolean }

export async function listHubs(db: pg.Pool): Promise<Hub[]> {
  const r = await db.query<Hub>(`SELECT code, name, city, province, kind, latitude, longitude FROM hubs ORDER BY code`)
  return r.rows
}

export async function listCouriers(db: pg.Pool): Promise<Courier[]> {
  const r = await db.query<Courier>(`SELECT code, name, hub_code AS "hubCode", active FROM couriers ORDER BY code`)
  return r.rows
}

export async function countHubs(db: pg.Pool): Promise<number> {
  const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM hubs')
  return r.rows[0]?.n ?? 0
}

// $1 codes, $2 names, $3 cities, $4 provinces, $5 kinds, $6 latitudes, $7 longitudes
export async function upsertHubs(db: pg.Pool, hubs: readonly Hub[]): Promise<void> {
  await db.query(
    `INSERT INTO hubs (code, name, city, province, kind, latitude, longitude)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[])
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, city = EXCLUDED.city, province = EXCLUDED.province,
       kind = EXCLUDED.kind, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude`,
    [
      hubs.map((h) => h.code),
      hubs.map((h) => h.name),
      hubs.map((h) => h.city),
      hubs.map((h) => h.province),
      hubs.map((h) => h.kind),
      hubs.map((h) => h.latitude),
      hubs.map((h) => h.longitude),
    ],
  )
}

// $1 codes, $2 names, $3 hub codes
export async function upsertCouriers(db: pg.Pool, couriers: readonly CourierSeed[]): Promise<void> {
  await db.query(
    `INSERT INTO couriers (code, name, hub_code)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, hub_code = EXCLUDED.hub_code`,
    [couriers.map((c) => c.code), couriers.map((c) => c.name), couriers.map((c) => c.hubCode)],
  )
}
