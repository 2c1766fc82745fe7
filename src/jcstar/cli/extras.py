"""Which optional extra installs a missing module, and the one line that says so.

jcstar installs in parts (pyproject.toml): the core reads the catalog, assesses from documents
and answers and renders reports; `probe`, `firmware`, `labels` and `registry` add what those
commands import. A command that needs a part the user did not install stops with one line
naming the extra to install, not an ImportError traceback.
"""

from __future__ import annotations

# top-level import name -> the extra that installs it ([project.optional-dependencies])
MODULE_EXTRAS: dict[str, str] = {
    # live devices over the network
    "asyncssh": "probe",
    "telnetlib3": "probe",
    "aiomqtt": "probe",
    "paho": "probe",
    "uvloop": "probe",
    # firmware images, and the vendor's SBOM (sbom.components reads it with the same libraries)
    "unblob": "firmware",
    "passlib": "firmware",
    "bcrypt": "firmware",
    "cyclonedx": "firmware",
    "univers": "firmware",
    "packageurl": "firmware",
    # signed labels and their QR codes, verified offline
    "joserfc": "labels",
    "nacl": "labels",
    "segno": "labels",
    "PIL": "labels",
    "zxingcpp": "labels",
    # the label registry server and its database
    "fastapi": "registry",
    "starlette": "registry",
    "uvicorn": "registry",
    "multipart": "registry",
    "python_multipart": "registry",
    "sqlalchemy": "registry",
    "alembic": "registry",
    "psycopg": "registry",
    "argon2": "registry",
    "swagger_ui_bundle": "registry",
    # PDF reports
    "weasyprint": "pdf",
}


def missing_extra(exc: ImportError) -> str | None:
    """The extra whose module `exc` failed to find; None when it is not an extra's module."""
    # only a module that is absent: an ImportError of a name inside an installed module is a
    # bug or a version mismatch, and keeps its traceback
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return None
    return MODULE_EXTRAS.get(exc.name.partition(".")[0])


def needs_extra_message(command: str, extra: str) -> str:
    return f"{command}: needs the {extra} extra: pip install 'jcstar[{extra}]'"
