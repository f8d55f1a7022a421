"""The MAESTRO loader (zip and folder) and the verified, explicit-only download."""

from __future__ import annotations

import hashlib
import socket
import zipfile

import pytest

from helpers import CORRUPT_MIDI, MAESTRO_COLUMNS, MAESTRO_ROWS, build_maestro, maestro_csv_text
from melodyreg.data import maestro as M

EXPECTED_ENTRIES = [M.MaestroEntry(composer, title, split, midi) for composer, title, split, _, midi, _ in MAESTRO_ROWS]


def test_zip_and_folder_are_read_identically(maestro):
    from_zip = M.MaestroSource(maestro.zip)
    from_folder = M.MaestroSource(maestro.folder)
    from_parent = M.MaestroSource(maestro.root)  # the folder holding maestro-v3.0.0/
    assert from_zip.entries == EXPECTED_ENTRIES
    assert from_folder.entries == EXPECTED_ENTRIES
    assert from_parent.entries == EXPECTED_ENTRIES
    for entry in EXPECTED_ENTRIES[:5]:
        expected = maestro.files[entry.midi_filename]
        assert from_zip.read_bytes(entry) == expected
        assert from_folder.read_bytes(entry) == expected
        assert from_parent.read_bytes(entry) == expected
    assert from_zip.read_bytes(EXPECTED_ENTRIES[4]) == CORRUPT_MIDI


def test_entry_work_joins_composer_and_title():
    assert EXPECTED_ENTRIES[0].work == "Alpha / Sonata"
    assert EXPECTED_ENTRIES[0].work == EXPECTED_ENTRIES[1].work  # two performances, one work
    assert EXPECTED_ENTRIES[2].work == "Beta / Etude"


def test_a_listed_but_missing_file_raises_on_read(maestro):
    lost = EXPECTED_ENTRIES[5]
    with pytest.raises(KeyError, match="epsilon-lost.midi"):
        M.MaestroSource(maestro.zip).read_bytes(lost)
    with pytest.raises(FileNotFoundError, match="epsilon-lost.midi"):
        M.MaestroSource(maestro.folder).read_bytes(lost)


def test_a_zip_without_a_top_folder(tmp_path):
    archive = tmp_path / "flat.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("meta.csv", maestro_csv_text(MAESTRO_ROWS[:1]))
        out.writestr("2004/alpha-sonata-1.midi", b"MThd-bytes")
    source = M.MaestroSource(archive)
    assert source.entries == EXPECTED_ENTRIES[:1]
    assert source.read_bytes(source.entries[0]) == b"MThd-bytes"


def test_missing_path_points_to_the_download_command(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"MAESTRO not found at .*absent.*download-maestro"):
        M.MaestroSource(tmp_path / "absent")


def test_a_file_that_is_not_a_zip(tmp_path):
    path = tmp_path / "maestro.zip"
    path.write_bytes(b"plain text")
    with pytest.raises(ValueError, match="is not a zip archive"):
        M.MaestroSource(path)


def test_no_csv_anywhere(tmp_path):
    (tmp_path / "release").mkdir()
    with pytest.raises(FileNotFoundError, match="no metadata CSV in"):
        M.MaestroSource(tmp_path / "release")
    archive = tmp_path / "nocsv.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("maestro/readme.txt", "hi")
    with pytest.raises(FileNotFoundError, match="no metadata CSV inside"):
        M.MaestroSource(archive)


def test_csv_missing_a_column(tmp_path):
    columns = tuple(c for c in MAESTRO_COLUMNS if c != "split")
    release = build_maestro(tmp_path, csv_text=maestro_csv_text(columns=columns))
    for path in (release.zip, release.folder):
        with pytest.raises(ValueError, match=r"lacks columns \['split'\]"):
            M.MaestroSource(path)


def test_csv_without_rows(tmp_path):
    release = build_maestro(tmp_path, rows=[], csv_text=maestro_csv_text(rows=[]))
    with pytest.raises(ValueError, match="lists no performances"):
        M.MaestroSource(release.folder)


# ---------------------------------------------------------------------------
# verify and download (local file:// URLs only; the network is blocked in tests)
# ---------------------------------------------------------------------------


def test_verify_accepts_the_right_size_and_digest(tmp_path):
    path = tmp_path / "blob"
    path.write_bytes(b"abc")
    assert M.verify(path, 3, hashlib.sha256(b"abc").hexdigest()) is None


def test_verify_size_mismatch(tmp_path):
    path = tmp_path / "blob"
    path.write_bytes(b"abc")
    with pytest.raises(ValueError, match=r"blob: 3 bytes, expected 4"):
        M.verify(path, 4, hashlib.sha256(b"abc").hexdigest())


def test_verify_sha_mismatch(tmp_path):
    path = tmp_path / "blob"
    path.write_bytes(b"abc")
    digest = hashlib.sha256(b"abc").hexdigest()
    with pytest.raises(ValueError, match=rf"SHA-256 {digest}, expected 0000"):
        M.verify(path, 3, "0" * 64)


def test_published_releases_are_complete():
    assert M.DEFAULT_RELEASE in M.RELEASES
    for address, size, sha in M.RELEASES.values():
        assert address.startswith("https://storage.googleapis.com/magentadata/datasets/maestro/")
        assert address.endswith("-midi.zip")
        assert size > 1_000_000
        assert len(sha) == 64 and set(sha) <= set("0123456789abcdef")


@pytest.fixture
def local_release(tmp_path, monkeypatch):
    """A file to 'download' from a file:// URL, registered as release `vtest`."""
    payload = b"pretend this is a MAESTRO zip" * 100
    source = tmp_path / "served" / "payload.zip"
    source.parent.mkdir()
    source.write_bytes(payload)
    address = "https://example.invalid/maestro-vtest-midi.zip"  # never contacted: url= overrides it
    monkeypatch.setitem(M.RELEASES, "vtest", (address, len(payload), hashlib.sha256(payload).hexdigest()))
    return source, payload


def test_download_from_a_local_url_verifies_and_returns_the_path(tmp_path, local_release):
    source, payload = local_release
    dest = tmp_path / "dest"
    path = M.download(dest, "vtest", url=source.as_uri())
    assert path == dest / "maestro-vtest-midi.zip"
    assert path.read_bytes() == payload
    assert sorted(p.name for p in dest.iterdir()) == ["maestro-vtest-midi.zip"]  # no .part left


def test_download_keeps_an_existing_verified_file(tmp_path, local_release):
    source, payload = local_release
    dest = tmp_path / "dest"
    first = M.download(dest, "vtest", url=source.as_uri())
    source.unlink()  # a second download would now fail: it must not be attempted
    assert M.download(dest, "vtest", url=source.as_uri()) == first
    assert first.read_bytes() == payload


def test_download_replaces_an_existing_file_that_fails_verification(tmp_path, local_release):
    source, payload = local_release
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "maestro-vtest-midi.zip").write_bytes(b"truncated")
    path = M.download(dest, "vtest", url=source.as_uri())
    assert path.read_bytes() == payload


def test_corrupted_download_raises_and_leaves_no_file(tmp_path, local_release, monkeypatch):
    source, payload = local_release
    address, size, _ = M.RELEASES["vtest"]
    monkeypatch.setitem(M.RELEASES, "vtest", (address, size, "f" * 64))  # the published digest differs
    dest = tmp_path / "dest"
    with pytest.raises(ValueError, match=r"SHA-256 .*, expected f{64}"):
        M.download(dest, "vtest", url=source.as_uri())
    assert list(dest.iterdir()) == []


def test_truncated_download_raises_and_leaves_no_file(tmp_path, local_release):
    source, payload = local_release
    source.write_bytes(payload[:-10])
    dest = tmp_path / "dest"
    with pytest.raises(ValueError, match=rf"{len(payload) - 10} bytes, expected {len(payload)}"):
        M.download(dest, "vtest", url=source.as_uri())
    assert list(dest.iterdir()) == []


def test_a_server_that_never_answers_times_out_with_one_line_naming_the_url(tmp_path, local_release):
    with socket.create_server(("127.0.0.1", 0)) as server:  # accepts connections, never answers
        url = f"http://127.0.0.1:{server.getsockname()[1]}/maestro.zip"
        with pytest.raises(M.DownloadError) as error:
            M.download(tmp_path / "dest", "vtest", url=url, timeout=0.5, progress=False)
    message = str(error.value)
    assert message.startswith(f"could not download {url}: ") and "timed out" in message and "\n" not in message
    assert list((tmp_path / "dest").iterdir()) == []  # no .part left behind


def test_a_refused_connection_is_one_line_naming_the_url(tmp_path, local_release):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    url = f"http://127.0.0.1:{port}/maestro.zip"  # nobody listens there any more
    with pytest.raises(M.DownloadError, match=rf"^could not download {url}: .*refused"):
        M.download(tmp_path / "dest", "vtest", url=url, timeout=5, progress=False)
    assert list((tmp_path / "dest").iterdir()) == []


def test_download_unknown_release(tmp_path):
    with pytest.raises(ValueError, match=r"unknown MAESTRO release 'v9'; known: \['v1.0.0', 'v3.0.0'\]"):
        M.download(tmp_path, "v9")
    assert list(tmp_path.iterdir()) == []


def test_the_network_guard_is_active():
    """The autouse guard in conftest turns any download from the real address into an error."""
    import urllib.request

    with pytest.raises(Exception, match="network access attempted in a test"):
        urllib.request.urlopen("http://192.0.2.1/", timeout=1)
    # loopback stays allowed (local servers, kernels)
    with socket.create_server(("127.0.0.1", 0)) as server:
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
