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

#include "utils/date.h"

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
	double		combine;		/* how far behind it is in the declared combined
								 * segments of the vacancy (0 when none) */
} Destination;

/* what decided the first rank */
typedef enum Decision
{
	DECISION_QUOTA,				/* the quota bound left no other choice */
	DECISION_SEGMENT,			/* among the choices the bound allowed, the fair mix */
	DECISION_PRIORITE,			/* among them, a legal floor (the State outside QPV) */
	DECISION_COMBINE			/* among them, a declared combined segment */
} Decision;

/*
 * Rank the k destinations: ordre[0 .. k-1] receives their indices, the
 * recommendation first.  Returns what decided the first rank.
 */
extern Decision MoteurClasser(const Destination *d, int k, int *ordre);
extern Decision MoteurClasserMixte(const Destination *d, int k, int *ordre, bool mixte);

/* the five segment dimensions of a vacancy (docs/orientation.md) */
#define SIMULATION_DIMENSIONS 5
/* the commune dimension: its code indexes the coverage */
#define SIMULATION_DIMENSION_COMMUNE 4
/* codes of one dimension at most (France has about 35 000 communes) */
#define SIMULATION_CODES_MAX 1000000
/* cells of the counters (destinations x codes): 32 Mi cells, 512 MB in all */
#define SIMULATION_CELLULES_MAX (INT64CONST(32) * 1024 * 1024)

/*
 * A year of vacancies to replay through the engine (flux.simuler_noyau):
 * plain C arrays, checked by MoteurSimulerVerifier before any use.
 */
typedef struct Simulation
{
	int			k;				/* conventions */
	int			nc;				/* communes of the coverage */
	int			n;				/* vacancies */
	const int32 *parts;			/* [k] shares, hundredths of a percent */
	const DateADT *debuts;		/* [k] in force from */
	const DateADT *fins;		/* [k] until (excluded), unless fin_ouverte */
	const bool *fin_ouverte;	/* [k] no end */
	const bool *couverture;		/* [k * nc] convention i covers commune c */
	const bool *etat;			/* [k] the State (its floor outside QPV) */
	const DateADT *dates;		/* [n] the vacancies, in the order they come */
	const int32 *segments;		/* [n * 5] their codes, dimension by dimension */
	int32		valeurs[SIMULATION_DIMENSIONS];	/* codes of each dimension */
} Simulation;

/* one cell of the result: destination (0 .. k, k the bailleur), dimension
 * (0: all, 1 .. 5), code, units due and obtained */
typedef void (*SimulationSortie) (void *arg, int destination, int dimension,
								  int code, double dus, int64 obtenus);

/* refuse (ereport ERROR) a simulation whose arrays do not fit together */
extern void MoteurSimulerVerifier(const Simulation *s);

/* replay: checks s, then reports every non-empty cell to sortie */
extern void MoteurSimuler(const Simulation *s, SimulationSortie sortie, void *arg);

#endif							/* FLUX_MOTEUR_H */
