/**
 * Plausible Chinese people: names, mobile numbers and street addresses. Pure,
 * driven by the caller's Rng. Surnames are weighted roughly by frequency.
 */
import type { Rng } from './random.ts'

const SURNAMES = [
  '王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗',
  '郑', '梁', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹', '彭', '曾', '肖', '田', '董', '袁', '潘', '于', '蒋', '蔡',
  '余', '杜', '叶', '程', '苏', '魏', '吕', '丁', '任', '沈', '姚', '卢', '姜', '崔', '钟', '谭', '陆', '汪', '范', '金',
  '石', '廖', '贾', '夏', '韦', '付', '方', '白', '邹', '孟', '熊', '秦', '邱', '江', '尹', '薛', '闫', '段', '雷', '侯',
  '龙', '史', '陶', '黎', '贺', '顾', '毛', '郝', '龚', '邵', '万', '钱', '严', '武', '戴', '莫', '孔', '欧阳', '诸葛', '司马',
] as const
/** Top surnames are much more common: weight 1/(rank+8). */
const SURNAME_WEIGHTS = SURNAMES.map((_, i) => 1 / (i + 8))

const GIVEN_MALE = ['伟', '强', '磊', '军', '勇', '杰', '涛', '明', '超', '斌', '鹏', '辉', '刚', '健', '峰', '建华', '志强', '浩然', '子轩', '宇航', '俊杰', '文博', '国庆', '海波', '晓东', '天佑', '嘉豪', '一鸣', '振宇', '思远']
const GIVEN_FEMALE = ['芳', '娜', '敏', '静', '丽', '艳', '娟', '霞', '婷', '雪', '琳', '颖', '秀英', '桂英', '欣怡', '梓涵', '雨萱', '佳怡', '诗琪', '晓燕', '丽华', '美玲', '婉清', '若曦', '思彤', '梦瑶', '雅琴', '慧敏', '紫涵', '可馨']

export function personName(rng: Rng): string {
  const surname = rng.weighted(SURNAMES, SURNAME_WEIGHTS)
  return surname + rng.pick(rng.chance(0.5) ? GIVEN_MALE : GIVEN_FEMALE)
}

/** Mobile prefixes in use on the three carriers (and 19x). */
const MOBILE_PREFIXES = [
  '130', '131', '132', '133', '134', '135', '136', '137', '138', '139', '145', '147', '150', '151', '152', '153', '155',
  '156', '157', '158', '159', '166', '173', '175', '176', '177', '178', '180', '181', '182', '183', '184', '185', '186',
  '187', '188', '189', '191', '193', '195', '196', '198', '199',
]

/** An 11-digit Chinese mobile number, 13x–19x. */
export function mobilePhone(rng: Rng): string {
  return rng.pick(MOBILE_PREFIXES) + rng.digits(8)
}

const MUNICIPALITIES = new Set(['北京', '上海', '天津', '重庆'])

const DISTRICTS: Readonly<Record<string, readonly string[]>> = {
  北京: ['朝阳区', '海淀区', '东城区', '西城区', '丰台区', '通州区', '昌平区', '大兴区'],
  上海: ['浦东新区', '徐汇区', '静安区', '黄浦区', '长宁区', '闵行区', '杨浦区', '普陀区'],
  天津: ['和平区', '河西区', '南开区', '滨海新区', '河东区'],
  重庆: ['渝中区', '江北区', '南岸区', '渝北区', '沙坪坝区', '九龙坡区'],
  广州: ['天河区', '越秀区', '海珠区', '白云区', '番禺区', '荔湾区'],
  深圳: ['南山区', '福田区', '罗湖区', '宝安区', '龙岗区', '龙华区'],
  杭州: ['西湖区', '滨江区', '上城区', '拱墅区', '余杭区', '萧山区'],
  南京: ['鼓楼区', '玄武区', '秦淮区', '建邺区', '江宁区', '栖霞区'],
  苏州: ['姑苏区', '工业园区', '吴中区', '相城区', '虎丘区'],
  宁波: ['鄞州区', '海曙区', '江北区', '北仑区', '镇海区'],
  义乌: ['稠城街道', '北苑街道', '江东街道', '稠江街道', '福田街道'],
  武汉: ['洪山区', '武昌区', '江汉区', '江岸区', '汉阳区', '东西湖区'],
  成都: ['武侯区', '锦江区', '青羊区', '金牛区', '成华区', '高新区'],
  西安: ['雁塔区', '碑林区', '莲湖区', '新城区', '未央区', '长安区'],
  郑州: ['金水区', '二七区', '中原区', '管城回族区', '郑东新区'],
  沈阳: ['和平区', '沈河区', '皇姑区', '铁西区', '浑南区'],
  大连: ['中山区', '西岗区', '沙河口区', '甘井子区'],
  青岛: ['市南区', '市北区', '崂山区', '李沧区', '黄岛区'],
  济南: ['历下区', '市中区', '槐荫区', '天桥区', '历城区'],
  长沙: ['岳麓区', '芙蓉区', '天心区', '开福区', '雨花区'],
  昆明: ['五华区', '盘龙区', '官渡区', '西山区'],
  厦门: ['思明区', '湖里区', '集美区', '海沧区'],
  泉州: ['丰泽区', '鲤城区', '洛江区', '晋江市'],
  东莞: ['南城街道', '东城街道', '莞城街道', '松山湖', '长安镇'],
  洛阳: ['洛龙区', '西工区', '涧西区', '老城区'],
  合肥: ['蜀山区', '庐阳区', '包河区', '瑶海区'],
}
const GENERIC_DISTRICTS = ['城区', '高新区', '经济开发区', '新区']

const ROADS = [
  '人民路', '解放路', '中山路', '建设路', '和平路', '新华路', '长江路', '黄河路', '文化路', '胜利路', '朝阳路', '迎宾大道',
  '科技路', '学府路', '滨江大道', '世纪大道', '青年路', '光明路', '工业路', '南京路', '东风路', '友谊路', '健康路', '花园路',
]
const COMMUNITIES = [
  '阳光花园', '锦绣家园', '金色港湾', '翠苑小区', '万科城', '碧桂园', '绿地新都会', '华府天地', '幸福里', '龙湖天街',
  '保利香槟', '恒大名都', '星河湾', '融创壹号院', '世纪花园', '御景湾', '中海国际社区', '东方明珠苑',
]
const BUILDINGS = ['国际大厦', '科技园', '商务中心', '创业园', '金融中心', '写字楼']

/** The province part of an address: 浙江 → 浙江省, municipalities have none. */
function provincePrefix(province: string, city: string): string {
  if (MUNICIPALITIES.has(city)) return ''
  if (province.endsWith('省') || province.endsWith('区') || province.endsWith('市')) return province
  return `${province}省`
}

function cityPart(city: string): string {
  return city.endsWith('市') ? city : `${city}市`
}

/** A residential or office address in the given city. */
export function streetAddress(rng: Rng, city: string, province: string): string {
  const district = rng.pick(DISTRICTS[city] ?? GENERIC_DISTRICTS)
  const head = `${provincePrefix(province, city)}${cityPart(city)}${district}${rng.pick(ROADS)}${rng.int(1, 999)}号`
  if (rng.chance(0.25)) return `${head}${rng.pick(ROADS).slice(0, 2)}${rng.pick(BUILDINGS)}${rng.int(2, 32)}楼${rng.int(1, 20)}室`
  return `${head}${rng.pick(COMMUNITIES)}${rng.int(1, 30)}栋${rng.int(1, 4)}单元${rng.int(1, 33)}${String(rng.int(1, 4)).padStart(2, '0')}室`
}

/** Who signed for a delivered parcel: the recipient's name most often, else a stand-in. */
export function signerFor(rng: Rng, recipientName: string): string {
  return rng.weighted([recipientName, '本人', '前台代收', '快递柜'], [0.5, 0.2, 0.12, 0.18])
}
