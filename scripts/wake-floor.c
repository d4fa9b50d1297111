// What a precise wake costs on this machine with no Node and no mqbench code (issue 28): the floor
// under any load generator that paces sends at a fixed rate, in C.
//   design 1: one thread sleeps (clock_nanosleep, absolute) until each due time: the least any pacer
//             can cost; a Node event loop cannot do this without stopping its I/O
//   design 2: a timer thread sleeps until each due time and wakes a main thread blocked in epoll on an
//             eventfd: the shape of a helper thread waking an event loop (mqbench's precise timer).
//             Lateness is measured where the send would happen (design 2: on the main thread).
//   gcc -O2 -pthread -o .mqbench/wake-floor scripts/wake-floor.c && .mqbench/wake-floor <design> <rate> <seconds>
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
static long step_ns, count; static int efd; static struct timespec start;
static double *late; static long nlate;
static double cpu_us(void){struct rusage r;getrusage(RUSAGE_SELF,&r);return r.ru_utime.tv_sec*1e6+r.ru_utime.tv_usec+r.ru_stime.tv_sec*1e6+r.ru_stime.tv_usec;}
static struct timespec due(long i){struct timespec t=start;long ns=t.tv_nsec+i*step_ns;t.tv_sec+=ns/1000000000;t.tv_nsec=ns%1000000000;return t;}
static void record(long i){struct timespec n,d=due(i);clock_gettime(CLOCK_MONOTONIC,&n);late[nlate++]=(n.tv_sec-d.tv_sec)*1e6+(n.tv_nsec-d.tv_nsec)/1e3;}
static void* timer(void*a){for(long i=1;i<=count;i++){struct timespec d=due(i);clock_nanosleep(CLOCK_MONOTONIC,TIMER_ABSTIME,&d,0);if(efd){uint64_t one=1;if(write(efd,&one,8)<0)abort();}else record(i);}return 0;}
static int cmp(const void*a,const void*b){double x=*(const double*)a,y=*(const double*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){int design=atoi(argv[1]);long rate=atol(argv[2]);count=rate*atol(argv[3]);step_ns=1000000000L/rate;
 prctl(PR_SET_TIMERSLACK,1L); /* as fine as the kernel allows (Node's worker: see precise-timer.ts withFineTimerSlack) */
 late=malloc(sizeof(double)*count);clock_gettime(CLOCK_MONOTONIC,&start);double c0=cpu_us();
 if(design==1)timer(0);else{efd=eventfd(0,0);int ep=epoll_create1(0);struct epoll_event e={.events=EPOLLIN,.data.fd=efd};epoll_ctl(ep,EPOLL_CTL_ADD,efd,&e);
  pthread_t th;pthread_create(&th,0,timer,0);long got=0;while(got<count){struct epoll_event o;epoll_wait(ep,&o,1,-1);uint64_t n;if(read(efd,&n,8)<0)abort();for(uint64_t k=0;k<n;k++)record(++got);}pthread_join(th,0);}
 double cpu=cpu_us()-c0;qsort(late,nlate,sizeof(double),cmp);
 printf("design %d, %ld/s, %ld wakes: CPU %.1f us per wake; lateness p50 %.0f p99 %.0f p99.9 %.0f us\n",design,rate,count,cpu/count,late[nlate/2],late[nlate*99/100],late[nlate*999/1000]);return 0;}
