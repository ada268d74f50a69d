FLASK_APP=marketplace
# The flask CLI on a developer's machine; servers (gunicorn) default to production.
APP_ENV=development
