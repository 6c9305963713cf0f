"""The sandbox's partner API: every operation of the catalog (`core.pleo_api`), served from the database."""
