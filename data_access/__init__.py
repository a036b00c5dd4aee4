"""Everything that touches the database: models, sessions, migrations, rules, queries, imports.

Pages and the CLI call functions from these modules; they never build SQL or apply a rule themselves.
"""
