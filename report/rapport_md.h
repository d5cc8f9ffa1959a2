/* rapport_md.h - the Dutch markdown report (rapport.md): a renderer of the
 * report model (rmodel.h). Headings, paragraphs, numbered tables with their
 * captions and notes, and the open answers as quotes; the figures are drawn in
 * rapport.html only. */
#ifndef KPM_RAPPORT_MD_H
#define KPM_RAPPORT_MD_H

#include <stdio.h>

#include "rmodel.h"

/* Writes the document to fp. Returns KPM_OK or KPM_EIO. */
int rapport_md_write(const rdoc_t *d, FILE *fp);

#endif
