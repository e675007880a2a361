"""The review reports: one self-contained HTML page per weekly, monthly or
quarterly review, rendered from the review marts (supportwh report)."""

from supportwh.reports.data import CADENCES, load
from supportwh.reports.render import Rendered, default_out_dir, render_report

__all__ = ["CADENCES", "Rendered", "default_out_dir", "load", "render_report"]
