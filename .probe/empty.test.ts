import { it } from 'vitest'
it('nothing', () => {})
