/* rapport_html.h - the Dutch HTML report (rapport.html): a renderer of the
 * report model (rmodel.h). One self-contained page: inline CSS and SVG, no
 * scripts, nothing fetched, print rules; the contents from the chapters, each
 * numbered table with its caption, each figure drawn as SVG (rapport_svg.h)
 * with its caption, the open answers as quotes. */
#ifndef KPM_RAPPORT_HTML_H
#define KPM_RAPPORT_HTML_H

#include <stdio.h>

#include "rmodel.h"

/* Writes the page to fp. Returns KPM_OK or KPM_EIO. */
int rapport_html_write(const rdoc_t *d, FILE *fp);

#endif
