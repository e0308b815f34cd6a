// Parameters for deploy/azure/main.bicep. Secrets come from environment variables of the shell that
// runs `az deployment group create`, so they never land in a file:
//   export BOT_APP_PASSWORD='…'  POSTGRES_ADMIN_PASSWORD='…'
using './main.bicep'

param location = 'norwayeast'
param namePrefix = 'innkjopsbot'

// The Entra app registration (deploy/README.md, step 1)
param botAppId = readEnvironmentVariable('BOT_APP_ID', '00000000-0000-0000-0000-000000000000')
param botAppPassword = readEnvironmentVariable('BOT_APP_PASSWORD')

// The image built from deploy/Dockerfile and pushed to your registry (step 2)
param containerImage = readEnvironmentVariable('CONTAINER_IMAGE', 'innkjopsbotacr.azurecr.io/innkjopsbot:0.1.0')
param containerRegistryName = readEnvironmentVariable('CONTAINER_REGISTRY_NAME', '')

param postgresAdminPassword = readEnvironmentVariable('POSTGRES_ADMIN_PASSWORD')

param instanceCount = 1
param adminEmails = 'innkjop@lorenskog.kommune.no'
param procurementEmail = 'innkjop@lorenskog.kommune.no'
param syncSource = '/mnt/register/avtaleregister.csv'
param retentionDays = 365
