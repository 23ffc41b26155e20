/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by openatsnoop.bpf.c and its user half (the seed tutorial's events.h). */
#ifndef EVENTS_H
#define EVENTS_H

#define MAX_COMM_LENGTH 32

struct event {
	char parent_comm[MAX_COMM_LENGTH];
	char requested_comm[MAX_COMM_LENGTH];
};

#endif
