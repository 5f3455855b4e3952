module todo-app.local/cluster-testimage

go 1.25
