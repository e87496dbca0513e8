from tests.security.test_access import world  # noqa: F401  (shared fixture: one of everything)
