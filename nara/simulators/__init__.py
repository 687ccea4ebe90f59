"""HTTP simulators of the external partners (a guarantee agency and a bank) with fault injection.

Start one with `python -m nara.simulators {guarantee,bank}`, or in a test with
`nara.simulators.runner.serve_in_thread`. The admin routes (`/_faults`, `/_ledger`, bank
`POST /accounts`) need `Authorization: Bearer <SIMULATOR_ADMIN_TOKEN>`; a simulator created
without a token refuses to start (`nara.simulators.admin`).
"""
