"""Deterministic demo data: a Xihe-county-sized or Gansu-province-sized programme with every
situation the pages must show.

`build.build_demo` writes it (refusing or replacing existing data); `plan` says what to generate;
`generator` assembles each county's rows (shape in `rows`) from `households`, `lifecycle`,
`people`, `timeline`, `ledger` and `cases`, worded by `names`, `regions`, `identity` and `texts`;
`pipeline` generates beside writing; `loader` writes in bulk."""
