import { defineBuildConfig } from 'unbuild'

export default defineBuildConfig({
  entries: ['src/index', 'src/testing/index'],
  declaration: 'node16',
  clean: true,
  externals: ['vitest'],
})
