"""Starting the app imports only what serving pages needs; heavy libraries load on first use."""

import subprocess
import sys

from tests.helpers import ROOT

# scikit-learn (with scipy and joblib) costs about a second to import and WeasyPrint a few
# tenths; only training, loading or scoring a model and rendering a PDF need them.
DEFERRED = ("sklearn", "scipy", "joblib", "weasyprint")


def test_importing_the_app_leaves_heavy_libraries_unimported():
    """Does `import wsgi` (what gunicorn and `flask --app wsgi` do) stay clear of them?"""
    probe = "import sys, wsgi; print(' '.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = {name.split(".")[0] for name in result.stdout.split()}
    assert "flask" in loaded  # the probe did import the app
    assert [name for name in DEFERRED if name in loaded] == []
