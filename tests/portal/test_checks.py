from portal.checks import check_encryption_keys
from portal.encryption import KEYS_INVALID, KEYS_MISSING


def test_check_passes_with_valid_keys():
    assert check_encryption_keys(None) == []


def test_check_fails_without_keys(settings):
    settings.PORTAL_ENCRYPTION_KEYS = []
    [error] = check_encryption_keys(None)
    assert (error.id, error.msg) == ("portal.E001", KEYS_MISSING)


def test_check_fails_with_a_malformed_key(settings):
    settings.PORTAL_ENCRYPTION_KEYS = ["not-a-key"]
    [error] = check_encryption_keys(None)
    assert error.msg == KEYS_INVALID.format(position=1)
