import TestSupport

/// This target's committed fixture files (the `Fixtures` folder beside this file).
let fixtures = FixtureFolder(bundle: .module)
