"""Operations: training when needed, starting and stopping the services, benchmarks."""
