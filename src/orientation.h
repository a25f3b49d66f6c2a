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
#include "executor/spi.h"
#include "utils/rel.h"

/* Holiday zone of a département code ('57' -> alsace-moselle, '974' -> reunion) */
extern CalendrierZone ZoneDeDepartement(const char *departement);

/* its name, as flux.ajouter_jours_ouvres takes it */
extern const char *ZoneNom(CalendrierZone zone);

/* shared by the triggers of flux.orientation (orientation.c, transitions.c) */
extern Oid	OrientationRelation(void);
extern void OrientationVerifierRelation(Relation rel, Oid attendue, const char *trigger, const char *quoi);
extern Oid	OrientationTypeFlux(const char *nom);
extern int	OrientationColonne(TupleDesc desc, const char *nom, Oid type);
extern SPIPlanPtr OrientationPreparer(SPIPlanPtr *plan, const char *sql, int nargs, Oid *argtypes);

#endif							/* FLUX_ORIENTATION_H */
