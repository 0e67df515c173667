"""Benchmarks, run by hand: `python -m benchmarks [--quick]` prints one table.

They time what PRODUCT.md promises under «What good looks like» on demo stores built through the
real importer, of region size (3,000 schools) and national size (40,000 schools × 4 rounds):
importing an export next to the bare parse of the same file and next to the pandas way, full
rescoring, the analytics calls behind every page, bulk checklists, each step's peak memory and
the size of the store. They assert nothing, so the tests stay deterministic; results and the
command that produced them are kept in `benchmarks/RESULTS.md`.
"""
