"""Kept for `python -m hrl_api.local_cluster`: the local cluster lives in `hrl_api.cluster.local`."""

from hrl_api.cluster.local import main

if __name__ == "__main__":
    main()
