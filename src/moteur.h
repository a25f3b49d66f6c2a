/*-------------------------------------------------------------------------
 *
 * moteur.h
 *	  The orientation engine: which destination a vacated unit should go to.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_MOTEUR_H
#define FLUX_MOTEUR_H

#include "postgres.h"

/* one destination of a vacancy: a convention, or the bailleur's own share */
typedef struct Destination
{
	int32		part;			/* share, hundredths of a percent (0: never served) */
	int64		donnes;			/* units oriented to it so far this year */
	int64		du;				/* units due so far: its share of each unit of its
								 * territory oriented so far, summed, in
								 * hundredths of a percent (so p t with a fixed
								 * share) */
	double		retard;			/* how far behind it is in the vacancy's segments */
	bool		priorite;		/* a legal floor asks for it (the State outside QPV) */
} Destination;

/* what decided the first rank */
typedef enum Decision
{
	DECISION_QUOTA,				/* the quota bound left no other choice */
	DECISION_SEGMENT,			/* among the choices the bound allowed, the fair mix */
	DECISION_PRIORITE			/* among them, a legal floor (the State outside QPV) */
} Decision;

/*
 * Rank the k destinations: ordre[0 .. k-1] receives their indices, the
 * recommendation first.  Returns what decided the first rank.
 */
extern Decision MoteurClasser(const Destination *d, int k, int *ordre);

#endif							/* FLUX_MOTEUR_H */
