import os

# Before torch starts its OpenMP threads: two Kabar processes on one small machine (a scheduled
# run beside a manual one) each spin-waiting on every core ran 10-100x slower, measured here;
# passive waiting made two concurrent runs take as long as one.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
