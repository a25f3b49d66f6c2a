/*-------------------------------------------------------------------------
 *
 * calendrier.h
 *	  French public holidays and jours ouvrés (business days) by zone.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_CALENDRIER_H
#define FLUX_CALENDRIER_H

#include "utils/date.h"

/* The holiday zones of the contract, in the order of the docs. */
typedef enum CalendrierZone
{
	ZONE_METROPOLE = 0,
	ZONE_ALSACE_MOSELLE,
	ZONE_GUADELOUPE,
	ZONE_MARTINIQUE,
	ZONE_GUYANE,
	ZONE_REUNION,
	ZONE_MAYOTTE,
	ZONE_COUNT
} CalendrierZone;

/* First and last year the calendar covers (Gregorian Easter; date's range). */
#define CALENDRIER_PREMIERE_ANNEE	1583
#define CALENDRIER_DERNIERE_ANNEE	9999

/* Parse a zone name; raises 22023 naming it if unknown. */
extern CalendrierZone CalendrierZoneFromText(const char *name);

/* Is d a public holiday of the zone?  (d must be inside the calendar.) */
extern bool CalendrierEstFerie(DateADT d, CalendrierZone zone);

/* Is d a jour ouvré: Monday to Friday and not a holiday of the zone? */
extern bool CalendrierEstOuvre(DateADT d, CalendrierZone zone);

/* The n-th jour ouvré after d (before d when n < 0); n = 0 returns d. */
extern DateADT CalendrierAjouterJoursOuvres(DateADT d, int32 n, CalendrierZone zone);

/* Jours ouvrés in (a, b]; minus those in (b, a] when b < a. */
extern int32 CalendrierJoursOuvresEntre(DateADT a, DateADT b, CalendrierZone zone);

#endif							/* FLUX_CALENDRIER_H */
