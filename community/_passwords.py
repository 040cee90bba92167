"""Passwords: the rules of the CNIL's 2022 recommendation, and argon2id hashing.

CNIL, délibération n° 2022-100 du 21 juillet 2022, case 1 (password alone): at least 80 bits of entropy,
for instance 12 characters mixing upper case, lower case, digits and special characters, or 14 characters
mixing upper case, lower case and digits, or a passphrase of at least 7 words. We accept a password meeting
one of these examples, or whose entropy (length x log2 of the alphabet used) reaches 80 bits, and refuse
passwords made of one repeated pattern or containing the e-mail or the name.
"""

from __future__ import annotations

import math
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from gis import InputError

MIN_ENTROPY_BITS = 80.0
MAX_LENGTH = 128  # hashing cost is bounded
SPECIALS = set(string.punctuation) | {" "}
# argon2id with the parameters of RFC 9106's second recommended option (64 MiB, 3 passes).
_HASHER = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=1)


class WeakPasswordError(InputError):
    """The password does not meet the CNIL rules."""


def _classes(password: str) -> dict[str, int]:
    """Alphabet size per character class present (the CNIL counts 37 special characters)."""
    sizes = {}
    if any(c.islower() for c in password):
        sizes["minuscules"] = 26
    if any(c.isupper() for c in password):
        sizes["majuscules"] = 26
    if any(c.isdigit() for c in password):
        sizes["chiffres"] = 10
    if any(not c.isalnum() for c in password):
        sizes["caractères spéciaux"] = 37
    return sizes


def entropy_bits(password: str) -> float:
    """Entropy as the CNIL computes it: length x log2(size of the alphabet used)."""
    pool = sum(_classes(password).values())
    return len(password) * math.log2(pool) if pool else 0.0


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """Raise :class:`WeakPasswordError` (French, says what to change) unless ``password`` meets the rules."""
    classes = _classes(password)
    words = [w for w in password.split() if len(w) >= 2]
    meets_example = (
        (len(password) >= 12 and len(classes) == 4) or (len(password) >= 14 and len(classes) >= 3) or len(words) >= 7
    )
    problems: list[str] = []
    if len(password) > MAX_LENGTH:
        problems.append(f"{MAX_LENGTH} caractères au plus")
    if not (meets_example or entropy_bits(password) >= MIN_ENTROPY_BITS):
        problems.append(
            "au moins 12 caractères avec majuscules, minuscules, chiffres et caractères spéciaux, "
            "ou au moins 14 caractères avec majuscules, minuscules et chiffres, "
            "ou une phrase de passe d'au moins 7 mots"
        )
    if len(set(password.lower())) < max(5, len(password) // 4):
        problems.append("trop de caractères répétés : variez les caractères")
    lowered = password.lower()
    local = email.split("@")[0].lower()
    if len(local) >= 3 and local in lowered:
        problems.append("ne doit pas contenir votre adresse e-mail")
    if any(len(part) >= 3 and part.lower() in lowered for part in name.split()):
        problems.append("ne doit pas contenir votre nom")
    if problems:
        raise WeakPasswordError(
            "Mot de passe trop faible (recommandation CNIL 2022) : choisissez-en un autre.", problems=problems
        )


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (salted; parameters stored in the hash)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (False for a missing or unreadable hash)."""
    if not password_hash:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(password_hash)
