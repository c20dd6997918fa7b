import { defineBuildConfig } from 'unbuild'

export default defineBuildConfig({
  entries: ['src/index', 'src/store/index', 'src/testing/index', 'src/indexer/decode-thread'],
  declaration: 'node16',
  clean: true,
  externals: ['vitest'],
})
