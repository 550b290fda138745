/* treetime: bench/run's watchdog. Runs one command and reports its wall time and the peak RSS
 * of its whole process tree, stopping it past a time or memory limit.
 *
 *   treetime TIME_LIMIT_S MEM_LIMIT_BYTES LOG -- COMMAND [ARG...]
 *
 * Prints one line on stdout: STATUS EXIT WALL_S MAXRSS_KIB, where STATUS is ok, fail (non-zero
 * exit), time or mem (stopped at the limit; MEM_LIMIT_BYTES 0 means none).
 *
 * Why C and not the Python driver: ru_maxrss survives fork and exec, so a child forked from a
 * 17 MiB interpreter reports at least 17 MiB whatever it runs. This process is small (as
 * /usr/bin/time is), so the peak it reports is the command's.
 *
 * The tree: the command runs in a new session (its process group is its pid) and this process
 * is the child subreaper (PR_SET_CHILD_SUBREAPER), so what the command leaves running (mold
 * links in a forked child and its first process exits early) is reparented here and waited
 * for. getrusage(RUSAGE_CHILDREN) then gives the largest RSS of any process in the tree. The
 * wall time is the command's own: until its first process exits. A watchdog thread samples
 * the summed RSS of the process group every 50 ms and kills the group past the limits. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child;
static double time_limit;
static long long mem_limit;
static struct timespec start;
static atomic_int stopped; /* 0, or 't' / 'm': the watchdog killed the group */
static atomic_int finished;

static double since_start(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
}

/* The summed RSS (bytes) of the processes in process group pgid, from /proc/PID/stat. */
static long long group_rss(pid_t pgid) {
  long long total = 0;
  long page = sysconf(_SC_PAGESIZE);
  DIR* proc = opendir("/proc");
  if (!proc) return 0;
  struct dirent* e;
  while ((e = readdir(proc)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char path[300], buf[1024];
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) continue;
    buf[n] = 0;
    char* p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    if (!p) continue;
    /* after ") ": state ppid pgrp ... ; rss is field 24 of the line, the 22nd after ')' */
    long long field[22] = {0};
    char* q = p + 2;
    for (int i = 0; i < 22 && q; ++i) {
      q = strchr(q, ' ');
      if (q) field[i] = strtoll(++q, NULL, 10);
    }
    if ((pid_t)field[1] == pgid) total += field[20] * page;
  }
  closedir(proc);
  return total;
}

static void* watch(void* arg) {
  (void)arg;
  struct timespec tick = {0, 50 * 1000 * 1000};
  while (!atomic_load(&finished)) {
    nanosleep(&tick, NULL);
    int over = 0;
    if (since_start() > time_limit)
      over = 't';
    else if (mem_limit > 0 && group_rss(child) > mem_limit)
      over = 'm';
    if (over) {
      atomic_store(&stopped, over);
      kill(-child, SIGKILL);
      return NULL;
    }
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 6 || strcmp(argv[4], "--") != 0) {
    fprintf(stderr, "usage: treetime TIME_LIMIT_S MEM_LIMIT_BYTES LOG -- COMMAND [ARG...]\n");
    return 2;
  }
  time_limit = atof(argv[1]);
  mem_limit = atoll(argv[2]);
  int log = open(argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) {
    fprintf(stderr, "treetime: %s: %s\n", argv[3], strerror(errno));
    return 2;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    fprintf(stderr, "treetime: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
    return 2;
  }
  clock_gettime(CLOCK_MONOTONIC, &start);
  child = fork();
  if (child < 0) {
    fprintf(stderr, "treetime: fork: %s\n", strerror(errno));
    return 2;
  }
  if (child == 0) {
    setsid();
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(log, 1);
    dup2(log, 2);
    execvp(argv[5], argv + 5);
    dprintf(2, "treetime: %s: %s\n", argv[5], strerror(errno));
    _exit(127);
  }
  pthread_t watcher;
  pthread_create(&watcher, NULL, watch, NULL);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  double wall = since_start();
  /* What the command left running is ours now: wait for all of it (the watchdog still runs). */
  while (wait(NULL) > 0 || errno == EINTR) {
  }
  atomic_store(&finished, 1);
  pthread_join(watcher, NULL);
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  int over = atomic_load(&stopped);
  const char* verdict = over == 't' ? "time" : over == 'm' ? "mem" : code == 0 ? "ok" : "fail";
  printf("%s %d %.6f %ld\n", verdict, code, wall, ru.ru_maxrss);
  return 0;
}
