// Background workers' fatal messages: Celery 5dc781f0b (v5.6.2+, celery/celery) with the 3.1/4.x wordings
// from its tags, kombu 9ee8595b (v5.6.2+, celery/kombu), billiard bd2f803 (v4.3.0rc1+, celery/billiard,
// Celery's process pool) and RQ aa666a8a (v2.10, rq/rq) with its older wordings (git log -S). RQ's broker
// errors are redis-py's own text ("Error 111 connecting to ...") and live in redis.ts.
import type { Message } from './types.ts';

export const messages: Message[] = [
  // --- the broker (Redis or RabbitMQ) cannot be reached: redis_unreachable ---------------------------
  {
    // CONNECTION_ERROR, same since 3.x: "consumer: Cannot connect to redis://localhost:6379/0: Error 111
    // connecting to localhost:6379. Connection refused.." / "... amqp://guest:**@127.0.0.1:5672//:
    // [Errno 111] Connection refused.". The URL says which broker and where.
    program: 'celery',
    source: 'celery/worker/consumer/consumer.py',
    template: 'consumer: Cannot connect to %s: %s.',
    pattern:
      /consumer: Cannot connect to (?<url>[a-z][a-z0-9+]{1,15}:\/\/(?:[^@\s/]{0,200}@)?(?<host>[\w.-]{1,253})?(?::(?<port>\d{1,5}))?[^\s]{0,200}?)(?:: |\.?$)/,
    cause: 'redis_unreachable',
  },
  {
    program: 'celery',
    source: 'celery/worker/consumer/consumer.py',
    template: 'consumer: Connection to broker lost. Trying to re-establish the connection...',
    pattern: /consumer: Connection to broker lost\. Trying to re-establish the connection/,
    cause: 'redis_unreachable',
  },
  {
    // CONNECTION_RETRY_STEP, the line after "Cannot connect to": 4.x+ adds the attempt counter (3.1 had
    // "Trying again in 2.00 seconds..." only, too plain to claim). The URL is on the line before it.
    program: 'celery',
    source: 'celery/worker/consumer/consumer.py',
    template: 'Trying again %(when)s... (%(retries)s/%(max_retries)s)',
    pattern: /Trying again in \d{1,6}(?:\.\d{1,3})? seconds?\.\.\. \(\d{1,6}\/\d{1,6}\)/,
    cause: 'redis_unreachable',
  },
  {
    // celery beat's ensure_connection error callback.
    program: 'celery',
    source: 'celery/beat.py',
    template: 'beat: Connection error: %s. Trying again in %s seconds...',
    pattern: /beat: Connection error: /,
    cause: 'redis_unreachable',
  },
  {
    // kombu re-raises the transport's connection errors as its own (apply_async/delay in the web app):
    // "kombu.exceptions.OperationalError: [Errno 111] Connection refused" (amqp); with the Redis transport
    // the text is redis-py's ("Error 111 connecting to ...", redis.ts).
    program: 'kombu',
    source: 'kombu/connection.py',
    template: 'kombu.exceptions.OperationalError: %s',
    pattern: /kombu\.exceptions\.OperationalError: \[Errno (?<errno>-?\d{1,5})\] /,
    cause: 'redis_unreachable',
  },
  {
    // RabbitMQ refuses the broker URL's credentials (py-amqp AccessRefused): the broker is as good as down.
    program: 'kombu',
    source: 'kombu/connection.py',
    template: 'ACCESS_REFUSED - Login was refused using authentication mechanism %s.',
    pattern: /ACCESS_REFUSED - Login was refused using authentication mechanism/,
    cause: 'redis_unreachable',
  },

  // --- what the worker needs to start ---------------------------------------------------------------
  {
    // The redis transport without the redis package in the worker's venv.
    program: 'kombu',
    source: 'kombu/transport/redis.py',
    template: 'Missing redis library (pip install redis)',
    pattern: /Missing (?<package>redis) library \(pip install redis\)/,
    cause: 'missing_dependency',
  },
  {
    // celery -A proj: the module does not exist (UNABLE_TO_LOAD_APP_MODULE_NOT_FOUND, 5.x; 4.x bin/base.py).
    program: 'celery',
    source: 'celery/bin/celery.py',
    template: 'Unable to load celery application.\nThe module %s was not found.',
    pattern: /The module (?<module>[\w.]{1,200}) was not found\./,
    cause: 'wrong_entrypoint',
  },
  {
    // celery -A proj: the module has no Celery app by that name (AttributeError text, capitalised by Celery;
    // Python's own "module 'x' has no attribute" is lower case and means something else).
    program: 'celery',
    source: 'celery/bin/celery.py',
    template: 'Unable to load celery application.\n%s',
    pattern: /Module '(?<module>[\w.]{1,200})' has no attribute '(?<attribute>\w{1,200})'/,
    cause: 'wrong_entrypoint',
  },

  // --- the worker is not running: worker_down --------------------------------------------------------
  {
    // The worker's MainProcess received TERM (Warm) or QUIT/a second TERM (Cold). A restart prints it too:
    // the cause decides from what follows (a "ready." line or none).
    program: 'celery',
    source: 'celery/apps/worker.py',
    template: 'worker: %s shutdown (MainProcess)',
    pattern: /worker: (?:Warm|Cold) shutdown \(MainProcess\)/,
    cause: 'worker_down',
    weak: true,
  },
  {
    // celery inspect/status/control: no worker answered the broadcast.
    program: 'celery',
    source: 'celery/bin/control.py',
    template: 'No nodes replied within time constraint',
    pattern: /No nodes replied within time constraint/,
    cause: 'worker_down',
  },
  {
    // Sentry (a Django app run with Celery workers) warns on every page when no worker has pinged it for
    // five minutes; its wordings: "This can mean an issue with your configuration or a serious backlog in
    // tasks." (8.x), "This is likely an issue with your configuration or the workers aren't running." and
    // "It seems that you have a backlog of %d tasks. Either your workers aren't running or ..." (9.x+).
    program: 'sentry',
    source: 'src/sentry/status_checks/celery_alive.py',
    template: "Background workers haven't checked in recently. %s",
    pattern: /Background workers haven't checked in recently\./,
    cause: 'worker_down',
  },
  {
    // RQ 1.14+ (SIGTERM). Like Celery's, a restart prints it too.
    program: 'rq',
    source: 'rq/worker/base.py',
    template: 'Worker %s [PID %d]: warm shut down requested',
    pattern: /\[PID \d{1,10}\]: warm shut down requested/,
    cause: 'worker_down',
    weak: true,
  },
  {
    // RQ up to 1.13.
    program: 'rq',
    source: 'rq/worker.py',
    template: 'Warm shut down requested',
    pattern: /Warm shut down requested/,
    cause: 'worker_down',
    weak: true,
  },
  {
    // RQ 1.14+ (a second SIGTERM/SIGINT).
    program: 'rq',
    source: 'rq/worker/base.py',
    template: 'Worker %s: cold shut down',
    pattern: /: cold shut down\b/,
    cause: 'worker_down',
    weak: true,
  },
  {
    // RQ up to 1.13.
    program: 'rq',
    source: 'rq/worker.py',
    template: 'Cold shut down',
    pattern: /Cold shut down\b/,
    cause: 'worker_down',
    weak: true,
  },

  // --- a pool process killed by SIGKILL: the OOM killer's signal (the kernel log decides) -------------
  {
    // billiard's supervisor: "Process 'ForkPoolWorker-3' pid:4242 exited with 'signal 9 (SIGKILL)'".
    program: 'billiard',
    source: 'billiard/pool.py',
    template: 'Process %r pid:%r exited with %r',
    pattern: /Process '[^']{1,100}' pid:(?<pid>\d{1,10}) exited with 'signal (?<signal>9) \(SIGKILL\)'/,
    cause: 'oom_killed',
    weak: true,
  },
  {
    // The task's result: "WorkerLostError: Worker exited prematurely: signal 9 (SIGKILL) Job: 12."
    program: 'billiard',
    source: 'billiard/pool.py',
    template: 'Worker exited prematurely: %s Job: %s.',
    pattern: /Worker exited prematurely: signal (?<signal>9) \(SIGKILL\)/,
    cause: 'oom_killed',
    weak: true,
  },
  {
    // RQ's work horse: "Work-horse terminated unexpectedly; waitpid returned 9 (signal 9); " (1.13+),
    // "Work-horse was/process was terminated unexpectedly (waitpid returned 9)" and "Moving job to
    // FailedJobRegistry (work-horse terminated unexpectedly; waitpid returned 9)" (0.7 to 1.12). A raw
    // wait status of 9 is death by signal 9.
    program: 'rq',
    source: 'rq/worker/worker_classes.py',
    template: 'Work-horse terminated unexpectedly; waitpid returned %s%s; ',
    pattern:
      /[Ww]ork-horse (?:process was |was )?terminated unexpectedly(?:; | \()waitpid returned (?<signal>9)\b/,
    cause: 'oom_killed',
    weak: true,
  },
];
