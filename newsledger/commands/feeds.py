"""Commands that drive `feeds`: list extracted figures, publish the feeds, serve them."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import click

from feeds import TOPICS, FigureRow, PublishReport, all_figures, build_projections, page_folder
from newsledger.app import App
from newsledger.commands import check_listen, check_port, check_seconds
from newsledger.logs import configure_logging
from newsledger.publishing import catch_up_and_publish
from store import ProjectionRunner, ViewOutdatedError, catch_up_or_stale

log = logging.getLogger(__name__)


def _runner(app: App) -> ProjectionRunner:
    """The feeds projections only: publishing needs nothing else caught up."""
    return ProjectionRunner(app.store, build_projections(app.feeds_config))


def _catch_up_and_publish(app: App) -> PublishReport:
    """As the worker publishes; but a view built with other rules is rebuilt here only when
    no worker runs: running workers keep the views with their own configuration, and would
    refuse views this file rebuilt (store/fingerprints.py) until reloaded with it."""
    from newsledger.worker.sharing import running_workers

    live = running_workers(app.store)
    try:
        return catch_up_and_publish(_runner(app), app.feeds_config, rebuild=not live).report
    except ViewOutdatedError as exc:
        if not live:
            raise
        raise click.ClickException(
            f"{exc}; not rebuilt here: worker replicas are running ({', '.join(live)}) and"
            " keep the views with their own configuration: reload them (SIGHUP) with this"
            " file, or run this command with theirs"
        ) from exc


def _number(value: str) -> int | float:
    exact = Decimal(value)
    return int(exact) if exact == exact.to_integral_value() else float(exact)


def _figure_json(row: FigureRow) -> str:
    return json.dumps(
        {
            "article_id": row.article_id,
            "kind": row.kind,
            "value": _number(row.value),
            "unit": row.unit,
            "text": row.text,
            "direction": row.direction,
            "measure": row.measure,
            "economic": row.economic,
            "period": row.period,
            "inferred": row.inferred,
            "sentence": row.sentence,
        },
        ensure_ascii=False,
    )


@click.command("figures")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one figure per line.")
@click.pass_obj
def figures(app: App, as_json: bool) -> None:
    """List the figures extracted from every article, with measure and period."""
    runner = _runner(app)
    catch_up_or_stale(runner, TOPICS)
    table = runner.tables(TOPICS)["figures"]
    with app.store.reading() as conn:
        for row in all_figures(conn, table):
            if as_json:
                click.echo(_figure_json(row))
            else:
                value = _number(row.value)
                shown = f"{value:,}" if isinstance(value, int) else f"{value:,.6g}"
                period = f", {row.period}" if row.period else ""
                click.echo(
                    f"{row.article_id}  {row.kind:<7}  {shown} {row.unit}  "
                    f"{row.measure}{period}  «{row.text}»"
                )


@click.command("publish")
@click.pass_obj
def publish(app: App) -> None:
    """Catch the feeds views up with the log and publish every feed to the output folder."""
    report = _catch_up_and_publish(app)
    click.echo(
        f"published to {report.output_dir}: {len(report.written)} written, "
        f"{len(report.unchanged)} unchanged, {len(report.removed)} removed"
    )
    for verb, paths in (("wrote", report.written), ("removed", report.removed)):
        for line in _listed(verb, paths):
            click.echo(f"  {line}")


#: Pages of one folder named one by one up to this many; beyond it, counted.
_NAMED_PAGES = 3


def _listed(verb: str, paths: tuple[str, ...]) -> list[str]:
    """The documents readers poll by name, and the pages of each folder (articles, stories,
    archives) by name when few, else counted: a first publish printed a line per article
    page (219 lines for the 201 articles of news-vi and the seeds)."""
    lines: list[str] = []
    pages: dict[str, list[str]] = {}
    for rel in paths:
        folder = page_folder(rel)
        if folder is None:
            lines.append(f"{verb} {rel}")
        else:
            pages.setdefault(folder, []).append(rel)
    for folder, rels in pages.items():
        if len(rels) <= _NAMED_PAGES:
            lines.extend(f"{verb} {rel}" for rel in rels)
        else:
            lines.append(f"{verb} {len(rels)} pages in {folder}/")
    return lines


@click.command("serve")
@click.option("--host", metavar="H", help="Address to listen on (default: [serve] host).")
@click.option("--port", metavar="P", type=int, help="Port to listen on (default: [serve] port).")
@click.option("--no-publish", is_flag=True, help="Serve the folder as it is, without publishing.")
@click.option(
    "--refresh",
    metavar="SECONDS",
    type=float,
    default=0,
    show_default=True,
    help="Catch up and republish every SECONDS while serving (0: never).",
)
@click.pass_obj
def serve(app: App, host: str | None, port: int | None, no_publish: bool, refresh: float) -> None:
    """Serve the published feeds, OPML file and index page over HTTP."""
    from feeds import create_app, make_server

    check_port(port, "--port")
    check_seconds(refresh, "--refresh")
    try:
        # Like `run`: NEWSLEDGER_LOG_FORMAT=json makes every line, uvicorn's too, JSON.
        configure_logging()
    except ValueError as exc:  # exit 1 with `check`'s line: a setting, not a usage mistake
        raise click.ClickException(str(exc)) from None
    app.serve_at(host, port)
    config = app.feeds_config
    if not no_publish:
        _catch_up_and_publish(app)  # the publisher logs what it wrote
    web = create_app(
        config,
        refresh=(lambda: _catch_up_and_publish(app)) if refresh > 0 else None,
        refresh_seconds=refresh,
    )
    server = make_server(config, web, host=host, port=port)
    check_listen(server.config.host, server.config.port)
    log.info(
        "serving feeds",
        extra={
            "output_dir": str(config.output_dir),
            "url": f"http://{server.config.host}:{server.config.port}/",
        },
    )
    server.run()


COMMANDS: list[click.Command] = [figures, publish, serve]
