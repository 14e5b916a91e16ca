"""`labtax fake-teacher`: run the offline stand-in teacher server until interrupted."""

from __future__ import annotations

from pathlib import Path

import click

from labtax import fake_teacher
from labtax.commands._options import project, taxonomy_option
from labtax.errors import EXIT_OK, LabtaxError
from labtax.fake_teacher.student import learn_taxonomy


@click.command("fake-teacher")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: pick a free one; the URL is printed).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--latency-ms",
    type=click.FloatRange(0),
    default=0.0,
    show_default=True,
    help="Delay added to every answer, to imitate a real model.",
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of requests answered with an injected fault (429, 500, hang, ...).",
)
@click.option(
    "--truncate-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of requests whose first answer is cut at the answer limit (finish_reason length).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Varies the canned answers; the same seed gives the same answers.",
)
@click.option(
    "--hang-s",
    type=click.FloatRange(0),
    default=fake_teacher.HANG_S,
    show_default=True,
    help="How long an injected hang lasts before the connection is dropped.",
)
@click.option(
    "--retry-after-s",
    type=click.FloatRange(0),
    default=1.0,
    show_default=True,
    help="Retry-After sent with injected 429 answers.",
)
@taxonomy_option
def command(
    *,
    port: int,
    host: str,
    latency_ms: float,
    fault_rate: float,
    truncate_rate: float,
    seed: int,
    hang_s: float,
    retry_after_s: float,
    taxonomy: Path | None,
) -> int:
    """Serve an OpenAI-compatible OFFLINE STAND-IN for a teacher model (not a model).

    Asked for the model labtax-fake-student, it stands in for a student instead, taught the seed
    questions of the taxonomy (--taxonomy, or the project's around the current directory).
    """
    knowledge = learn_taxonomy(project(taxonomy))

    def announce(banner: str) -> None:
        url = banner.rsplit("Listening on ", 1)[1].split(" ", 1)[0]
        click.echo(banner, err=True)
        click.echo(export_lines(url), err=True)
        # The URL alone on stdout, so scripts using --port 0 can pick it up.
        click.echo(url)

    try:
        fake_teacher.serve(
            host,
            port,
            latency_ms,
            fault_rate,
            seed=seed,
            hang_s=hang_s,
            retry_after_s=retry_after_s,
            announce=announce,
            knowledge=knowledge,
            truncate_rate=truncate_rate,
        )
    except OSError as exc:
        raise LabtaxError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="pick another --port (0 chooses a free one)",
        ) from exc
    except KeyboardInterrupt:
        click.echo("fake-teacher stopped", err=True)
    return EXIT_OK


def export_lines(url: str) -> str:
    """The shell lines that point labtax, in another terminal, at this server."""
    return (
        "  To use it, run in the terminal where you run labtax:\n"
        f"    export LABTAX_TEACHER_MODEL=openai/{fake_teacher.MODEL_NAME}\n"
        f"    export LABTAX_TEACHER_API_BASE={url}"
    )
