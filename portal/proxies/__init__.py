from flask import Blueprint

bp = Blueprint("proxies", __name__)
