"""The phone web page: server-rendered Jinja2 pages over the same services the API uses."""

from makermatrix_edge.web.router import template_config, web_router

__all__ = ["template_config", "web_router"]
