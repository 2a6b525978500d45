// Package plans will hold the plan model that operators watch and steer:
// plans of phases of steps, their statuses and aggregation as DC/OS Commons
// defines them, the serial, parallel, canary and dependency strategies,
// operator actions, and the generation of deploy, update, recovery and
// decommission plans from a ServiceSpec and task state.
//
// Contract for what lands here: no IO and no clock; time is passed in.
package plans
