// matplotlib's backend in Python environments (MPLBACKEND=module://warmbox_mpl): a sandbox has no display, so
// plt.show() saves each open figure as a PNG in the working directory — figure-1.png, figure-2.png… — and the run's
// output files bring it back to the panel, as a notebook shows a figure under its cell.
export const MPL_BACKEND = `"""warmbox: plt.show() saves each open figure as figure-N.png in the working directory."""
import os
import sys

from matplotlib._pylab_helpers import Gcf
from matplotlib.backend_bases import FigureManagerBase as FigureManager
from matplotlib.backends.backend_agg import FigureCanvasAgg as FigureCanvas

_shown = 0


def show(*args, **kwargs):
    global _shown
    for manager in Gcf.get_all_fig_managers():
        _shown += 1
        name = "figure-%d.png" % _shown
        while os.path.exists(name):
            _shown += 1
            name = "figure-%d.png" % _shown
        manager.canvas.figure.savefig(name)
        print("[warmbox] figure saved as %s" % os.path.join(os.getcwd(), name), file=sys.stderr)
    Gcf.destroy_all()
`;
