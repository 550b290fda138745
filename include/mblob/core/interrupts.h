// The signals that interrupt a run, and a guard that holds them off for a few system calls.
//
// SIGINT (Ctrl-C), SIGTERM (kill), SIGHUP (hangup) and SIGQUIT end mblob through one handler
// (mblob/toolchain/process.h), which stops the tools and removes the registered temporaries
// (mblob/core/file.h). Between creating a temporary or a child and registering it, that handler
// would not know about it: such steps run under InterruptsBlocked, and a signal that arrives
// meanwhile is delivered when the guard ends, with everything registered.
#pragma once

#include <pthread.h>

#include <csignal>

namespace mblob {

inline constexpr int kInterruptSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// Blocks the interrupt signals on the calling thread while it lives.
class InterruptsBlocked {
 public:
  InterruptsBlocked() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : kInterruptSignals) sigaddset(&set, sig);
    ::pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~InterruptsBlocked() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  InterruptsBlocked(const InterruptsBlocked&) = delete;
  InterruptsBlocked& operator=(const InterruptsBlocked&) = delete;

 private:
  sigset_t old_;
};

}  // namespace mblob
