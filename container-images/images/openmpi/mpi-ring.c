/*
 * mpi-ring: pass a token around all ranks and report it.
 * Each rank adds its rank number to the token; rank 0 checks the sum is n*(n-1)/2.
 * Exit code 0 when the ring closed with the expected sum, 2 otherwise.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int rank, size, len, rounds = 1;
    long token = 0;
    char host[MPI_MAX_PROCESSOR_NAME];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(host, &len);
    if (argc > 1) {
        rounds = atoi(argv[1]);
        if (rounds < 1) {
            rounds = 1;
        }
    }
    printf("rank %d of %d on %s\n", rank, size, host);
    fflush(stdout);

    for (int r = 0; r < rounds; r++) {
        if (size == 1) {
            token += 0;
            continue;
        }
        if (rank == 0) {
            MPI_Send(&token, 1, MPI_LONG, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(&token, 1, MPI_LONG, size - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(&token, 1, MPI_LONG, rank - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            token += rank;
            MPI_Send(&token, 1, MPI_LONG, (rank + 1) % size, 0, MPI_COMM_WORLD);
        }
    }

    int ok = 1;
    if (rank == 0) {
        long expected = (long) rounds * size * (size - 1) / 2;
        ok = token == expected;
        printf("ring closed: %d ranks, %d round(s), token %ld (expected %ld) %s\n",
               size, rounds, token, expected, ok ? "OK" : "MISMATCH");
        fflush(stdout);
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return ok ? 0 : 2;
}
