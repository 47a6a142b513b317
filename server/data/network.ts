/**
 * The demo delivery network: reference data and the routing rule. Pure — no
 * driver, no clock, no I/O. Coordinates are WGS84, rounded to 4 decimals, taken
 * from the real district / industrial-park locations of each city.
 *
 * Routing (see `routeBetween`): a parcel goes from its origin outlet to that
 * outlet's parent centre; when the two parent centres are far apart it travels
 * through the transfer centre of each region; then to the destination's parent
 * centre and the destination outlet.
 */

export type HubKind = 'outlet' | 'sorting_centre' | 'transfer_centre'

export interface HubSeed {
  code: string
  name: string
  city: string
  province: string
  kind: HubKind
  latitude: number
  longitude: number
}

export interface CourierSeed {
  code: string
  name: string
  hubCode: string
}

export interface LatLon {
  latitude: number
  longitude: number
}

type Row = readonly [code: string, name: string, city: string, province: string, latitude: number, longitude: number]

const TRANSFER_CENTRES: readonly Row[] = [
  ['BJS-TC', '北京转运中心', '北京', '北京', 39.7828, 116.5123],
  ['SHA-TC', '上海转运中心', '上海', '上海', 31.1498, 121.1243],
  ['CAN-TC', '广州转运中心', '广州', '广东', 23.3916, 113.298],
  ['WUH-TC', '武汉转运中心', '武汉', '湖北', 30.6323, 114.1618],
  ['CTU-TC', '成都转运中心', '成都', '四川', 30.5703, 103.9228],
  ['XIY-TC', '西安转运中心', '西安', '陕西', 34.357, 108.939],
  ['SHE-TC', '沈阳转运中心', '沈阳', '辽宁', 41.748, 123.446],
  ['CGO-TC', '郑州转运中心', '郑州', '河南', 34.5365, 113.8487],
]

const SORTING_CENTRES: readonly Row[] = [
  ['HGH-SC', '杭州分拣中心', '杭州', '浙江', 30.184, 120.2646],
  ['NKG-SC', '南京分拣中心', '南京', '江苏', 31.954, 118.84],
  ['SZX-SC', '深圳分拣中心', '深圳', '广东', 22.629, 113.826],
  ['TSN-SC', '天津分拣中心', '天津', '天津', 39.087, 117.314],
  ['CKG-SC', '重庆分拣中心', '重庆', '重庆', 29.719, 106.638],
  ['CSX-SC', '长沙分拣中心', '长沙', '湖南', 28.235, 113.08],
  ['TNA-SC', '济南分拣中心', '济南', '山东', 36.682, 117.057],
  ['XMN-SC', '厦门分拣中心', '厦门', '福建', 24.512, 118.146],
  ['KMG-SC', '昆明分拣中心', '昆明', '云南', 25.015, 102.743],
  ['HFE-SC', '合肥分拣中心', '合肥', '安徽', 31.82, 117.227],
]

const OUTLETS: readonly Row[] = [
  ['SHA-O1', '上海浦东网点', '上海', '上海', 31.2215, 121.5447],
  ['SHA-O2', '上海徐汇网点', '上海', '上海', 31.1886, 121.4365],
  ['BJS-O1', '北京朝阳网点', '北京', '北京', 39.9219, 116.4436],
  ['BJS-O2', '北京海淀网点', '北京', '北京', 39.9593, 116.2981],
  ['CAN-O1', '广州天河网点', '广州', '广东', 23.1247, 113.3612],
  ['HGH-O1', '杭州西湖网点', '杭州', '浙江', 30.2592, 120.13],
  ['HGH-O2', '杭州滨江网点', '杭州', '浙江', 30.2084, 120.2119],
  ['SZX-O1', '深圳南山网点', '深圳', '广东', 22.5333, 113.9305],
  ['WUH-O1', '武汉洪山网点', '武汉', '湖北', 30.5006, 114.3435],
  ['CTU-O1', '成都武侯网点', '成都', '四川', 30.6425, 104.0431],
  ['NKG-O1', '南京鼓楼网点', '南京', '江苏', 32.0663, 118.7697],
  ['XIY-O1', '西安雁塔网点', '西安', '陕西', 34.2139, 108.9484],
  ['CKG-O1', '重庆渝中网点', '重庆', '重庆', 29.5567, 106.5689],
  ['CGO-O1', '郑州金水网点', '郑州', '河南', 34.8001, 113.6606],
  ['KMG-O1', '昆明五华网点', '昆明', '云南', 25.043, 102.707],
  ['SUZ-O1', '苏州工业园区网点', '苏州', '江苏', 31.3178, 120.7235],
  ['NGB-O1', '宁波鄞州网点', '宁波', '浙江', 29.8168, 121.547],
  ['YIW-O1', '义乌稠城网点', '义乌', '浙江', 29.3068, 120.0751],
  ['DGG-O1', '东莞南城网点', '东莞', '广东', 23.0207, 113.7518],
  ['JJN-O1', '泉州丰泽网点', '泉州', '福建', 24.8886, 118.6043],
  ['TAO-O1', '青岛市南网点', '青岛', '山东', 36.0671, 120.3826],
  ['DLC-O1', '大连中山网点', '大连', '辽宁', 38.9213, 121.6441],
  ['LYA-O1', '洛阳洛龙网点', '洛阳', '河南', 34.619, 112.456],
]

function toHubs(rows: readonly Row[], kind: HubKind): HubSeed[] {
  return rows.map(([code, name, city, province, latitude, longitude]) => ({ code, name, city, province, kind, latitude, longitude }))
}

export const DEMO_HUBS: readonly HubSeed[] = Object.freeze([
  ...toHubs(TRANSFER_CENTRES, 'transfer_centre'),
  ...toHubs(SORTING_CENTRES, 'sorting_centre'),
  ...toHubs(OUTLETS, 'outlet'),
])

/** Couriers per outlet, in the order of OUTLETS. Between 2 and 4 each. */
const COURIER_NAMES: Readonly<Record<string, readonly string[]>> = {
  'SHA-O1': ['张伟', '王建国', '李娜', '陈志强'],
  'SHA-O2': ['刘洋', '周杰', '吴晓燕'],
  'BJS-O1': ['赵磊', '孙明', '马丽', '郭鹏'],
  'BJS-O2': ['杨帆', '何静', '高俊'],
  'CAN-O1': ['黄海涛', '梁文杰', '林小红', '罗志勇'],
  'HGH-O1': ['徐浩', '沈佳怡', '朱国庆'],
  'HGH-O2': ['胡斌', '钱晓东'],
  'SZX-O1': ['郑家豪', '谢婷', '邓永明', '曾伟'],
  'WUH-O1': ['彭勇', '熊丽华', '万军'],
  'CTU-O1': ['唐小龙', '蒋欣', '杜刚'],
  'NKG-O1': ['丁立新', '陆雯', '韩涛'],
  'XIY-O1': ['冯亮', '任海燕', '薛斌'],
  'CKG-O1': ['谭建华', '冉小勇', '向红梅'],
  'CGO-O1': ['张建军', '李红霞', '牛振华'],
  'KMG-O1': ['杨光荣', '李春艳'],
  'SUZ-O1': ['顾晓峰', '钱芳', '陶建明'],
  'NGB-O1': ['应海军', '俞丽', '王志刚'],
  'YIW-O1': ['楼建平', '金晓丽', '吴国华', '傅明亮'],
  'DGG-O1': ['叶志华', '袁丽', '邹文斌'],
  'JJN-O1': ['洪少杰', '蔡丽珍', '黄志明'],
  'TAO-O1': ['刘海波', '于晓娜', '孙立伟'],
  'DLC-O1': ['王铁军', '姜丽'],
  'LYA-O1': ['张国强', '常晓敏'],
}

export const DEMO_COURIERS: readonly CourierSeed[] = Object.freeze(
  OUTLETS.flatMap(([hubCode]) =>
    (COURIER_NAMES[hubCode] ?? []).map((name, i) => ({
      code: `C-${hubCode}-${String(i + 1).padStart(2, '0')}`,
      name,
      hubCode,
    })),
  ),
)

/** Great-circle distance in km (haversine, mean Earth radius 6371.0088 km). */
export function distanceKm(a: LatLon, b: LatLon): number {
  const rad = Math.PI / 180
  const dLat = (b.latitude - a.latitude) * rad
  const dLon = (b.longitude - a.longitude) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** Parent centres further apart than this exchange parcels through their regions' transfer centres. */
export const DIRECT_LINEHAUL_MAX_KM = 500

export interface Network {
  hub(code: string): HubSeed | undefined
  /** Outlet → nearest sorting or transfer centre; centres are their own parent. */
  parentCentre(hubCode: string): string
  /** Any hub → nearest transfer centre (a transfer centre is its own). */
  regionTransferCentre(hubCode: string): string
  routeBetween(originOutlet: string, destinationOutlet: string): string[]
}

/**
 * Routing over any hub list (the simulator builds one from the server's hubs).
 * Ties in distance are broken by hub code so the result never depends on order.
 */
export function createNetwork(hubs: readonly HubSeed[]): Network {
  const byCode = new Map(hubs.map((h) => [h.code, h]))
  const centres = hubs.filter((h) => h.kind !== 'outlet')
  const transfers = hubs.filter((h) => h.kind === 'transfer_centre')
  const parentCache = new Map<string, string>()
  const regionCache = new Map<string, string>()

  function get(code: string): HubSeed {
    const h = byCode.get(code)
    if (!h) throw new Error(`unknown hub ${code}`)
    return h
  }

  function nearest(from: HubSeed, candidates: readonly HubSeed[]): HubSeed | undefined {
    let best: HubSeed | undefined
    let bestKm = Infinity
    for (const c of candidates) {
      const km = distanceKm(from, c)
      if (km < bestKm || (km === bestKm && best !== undefined && c.code < best.code)) {
        best = c
        bestKm = km
      }
    }
    return best
  }

  function parentCentre(hubCode: string): string {
    const cached = parentCache.get(hubCode)
    if (cached) return cached
    const h = get(hubCode)
    const parent = h.kind === 'outlet' ? (nearest(h, centres)?.code ?? h.code) : h.code
    parentCache.set(hubCode, parent)
    return parent
  }

  function regionTransferCentre(hubCode: string): string {
    const cached = regionCache.get(hubCode)
    if (cached) return cached
    const h = get(parentCentre(hubCode))
    const region = h.kind === 'transfer_centre' ? h.code : (nearest(h, transfers)?.code ?? h.code)
    regionCache.set(hubCode, region)
    return region
  }

  function routeBetween(originOutlet: string, destinationOutlet: string): string[] {
    const o = get(originOutlet).code
    const d = get(destinationOutlet).code
    if (o === d) return [o]
    const oc = parentCentre(o)
    const dc = parentCentre(d)
    const path = [o, oc]
    if (oc !== dc && distanceKm(get(oc), get(dc)) > DIRECT_LINEHAUL_MAX_KM) {
      path.push(regionTransferCentre(oc), regionTransferCentre(dc))
    }
    path.push(dc, d)
    return withoutRevisits(path)
  }

  return { hub: (code) => byCode.get(code), parentCentre, regionTransferCentre, routeBetween }
}

/** Drops consecutive duplicates and cuts any loop (A … A) so no hub is visited twice. */
function withoutRevisits(path: readonly string[]): string[] {
  const out: string[] = []
  for (const code of path) {
    const seen = out.indexOf(code)
    if (seen >= 0) out.length = seen
    out.push(code)
  }
  return out
}

const demo = createNetwork(DEMO_HUBS)

/** Nearest sorting or transfer centre of an outlet in the demo network (a centre is its own parent). */
export function parentCentre(hubCode: string): string {
  return demo.parentCentre(hubCode)
}

/** Hub codes a parcel passes in the demo network, origin outlet first, destination outlet last. */
export function routeBetween(originOutlet: string, destinationOutlet: string): string[] {
  return demo.routeBetween(originOutlet, destinationOutlet)
}
