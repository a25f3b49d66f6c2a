/*-------------------------------------------------------------------------
 *
 * orientation.h
 *	  The hot path of the workflow: stamping a new orientation.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_ORIENTATION_H
#define FLUX_ORIENTATION_H

#include "calendrier.h"

/* Holiday zone of a département code ('57' -> alsace-moselle, '974' -> reunion) */
extern CalendrierZone ZoneDeDepartement(const char *departement);

/* its name, as flux.ajouter_jours_ouvres takes it */
extern const char *ZoneNom(CalendrierZone zone);

#endif							/* FLUX_ORIENTATION_H */
